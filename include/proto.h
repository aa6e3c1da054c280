/*
 * proto: parsers for what Redis and Sentinel send us. Pure: they take
 * buffers or hiredis reply trees and fill structs; no I/O, no allocation.
 * Every parser rejects malformed input with -EINVAL (never crashes, never
 * reads past the given lengths).
 */
#ifndef VIPD_PROTO_H
#define VIPD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "netaddr.h"

struct redisReply;

/* Reply to ROLE. "master", "slave" / "replica", "sentinel". For a replica the
 * master's address is filled in when it is an IP literal. */
struct role_info {
	enum node_role role;
	struct hostport master;		/* replica only; family 0 if unknown */
	char link_state[16];		/* replica only: "connected", ... */
};
int proto_parse_role(const struct redisReply *r, struct role_info *out);

/* "# Replication\r\nrole:master\r\n..." (INFO replication). */
int proto_parse_info_role(const char *buf, size_t len, struct role_info *out);

/* Reply to SENTINEL get-master-addr-by-name: 2-element array ip, port, or
 * nil when the name is unknown (returns 0 and *has_master = 0). */
int proto_parse_master_addr(const struct redisReply *r, struct hostport *out,
    int *has_master);

/* A Sentinel pub/sub event: channel (event name) plus payload. */
enum sentinel_event_type {
	SEV_OTHER = 0,		/* valid but not one we care about */
	SEV_SWITCH_MASTER,	/* +switch-master <name> <oip> <oport> <nip> <nport> */
	SEV_ODOWN, SEV_ODOWN_CLEARED,
	SEV_SDOWN, SEV_SDOWN_CLEARED,
	SEV_PROMOTED_SLAVE,
	SEV_CONVERT_TO_SLAVE,
	SEV_FAILOVER_END,
	SEV_REBOOT,
	SEV_ROLE_CHANGE,	/* +role-change and -role-change */
	SEV_TILT, SEV_TILT_CLEARED,
	SEV_CONFIG_UPDATE_FROM,
	SEV_NEW_EPOCH,
	SEV_TRY_FAILOVER,
	SEV_ELECTED_LEADER,
	SEV_SELECTED_SLAVE,
	SEV_SEND_SLAVEOF_NOONE,	/* +failover-state-send-slaveof-noone */
	SEV_WAIT_PROMOTION,	/* +failover-state-wait-promotion */
	SEV_FAILOVER_ABORT,	/* any -failover-abort-* */
};

struct sentinel_event {
	enum sentinel_event_type type;
	char name[64];			/* event channel as received, truncated */
	char master_name[128];		/* the master it concerns, "" if none */
	/* %@ events: the instance the event is about */
	char instance_type[16];		/* "master", "slave", "sentinel", "" */
	struct hostport instance;	/* family 0 if not an IP literal */
	/* +switch-master: old and new address */
	struct hostport old_master, new_master;
	uint64_t epoch;			/* +new-epoch */
};

/* Parse channel + payload. Returns 0 (out filled; type SEV_OTHER for events
 * we do not track), -EINVAL for a malformed payload of a tracked event. */
int proto_parse_event(const char *channel, size_t chlen,
    const char *payload, size_t plen, struct sentinel_event *out);

const char *sentinel_event_type_name(enum sentinel_event_type t);

#endif
