#include <stdio.h>
int main(void) { puts("vipd: not yet"); return 1; }
