/* model: names of the shared types (see model.h). */
#include "model.h"

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_HOLD:
		return "hold";
	case VERDICT_FAULT:
		return "fault";
	case VERDICT_RELEASE:
		break;
	}
	return "release";
}

const char *
node_role_name(enum node_role r)
{
	switch (r) {
	case NODE_ROLE_MASTER:
		return "master";
	case NODE_ROLE_REPLICA:
		return "replica";
	case NODE_ROLE_OTHER:
		return "other";
	case NODE_ROLE_UNKNOWN:
		break;
	}
	return "unknown";
}
