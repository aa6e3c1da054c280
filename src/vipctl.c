#include <stdio.h>
int main(void) { puts("vipctl: not yet"); return 1; }
