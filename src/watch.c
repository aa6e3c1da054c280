/* watch: shared connections (see watch.h). */
#include <string.h>

#include "node.h"
#include "sentinel.h"
#include "watch.h"

bool
watch_str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

void
watch_close(struct watch_env *w)
{
	while (w->nodes) {
		struct node *n = w->nodes;

		w->nodes = node_next(n);
		node_free(n);
	}
	while (w->sentinels) {
		struct sentinel *s = w->sentinels;

		w->sentinels = sentinel_next(s);
		sentinel_free(s);
	}
}
