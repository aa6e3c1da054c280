/*
 * proto: parsers for what Redis and Sentinel send us. Pure: they take
 * buffers or hiredis reply trees and fill structs; no I/O, no allocation.
 * Every parser rejects malformed input with -EINVAL (never crashes, never
 * reads past the given lengths).
 */
#ifndef VIPD_PROTO_H
#define VIPD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "netaddr.h"

struct redisReply;

/* Reply to ROLE (Redis 7.0, Valkey 8.0): "master" (MASTER), "slave" / "replica"
 * (REPLICA), "sentinel" (OTHER). Shapes required, else -EINVAL:
 *   ["master", <int offset>, <array of replicas>]
 *   ["slave"|"replica", <str host>, <int port 1..65535>, <str state>,
 *    <int offset>]
 *   ["sentinel", <array of master names>]
 * For a replica the master's address is filled in as a literal or a name
 * (netaddr.h); a host that is neither makes the reply malformed. */
struct role_info {
	enum node_role role;
	struct hostport master;		/* replica only; family 0 if unknown */
	/* replica only, as reported, truncated: ROLE gives handshake |
	 * connect | connecting | sync | connected, INFO gives up | down */
	char link_state[16];
	bool link_up;			/* replica: "connected" or "up" */
};
int proto_parse_role(const struct redisReply *r, struct role_info *out);

/*
 * "# Replication\r\nrole:master\r\n..." (INFO replication). Lines end in
 * \r\n or \n; unknown keys are ignored. Reads role, master_host,
 * master_port, master_link_status, master_replid, master_replid2 and the
 * replicas a master lists (slaveN:ip=...,port=...; the first
 * REPL_MAX_REPLICAS). No role line, an unknown role, a bad port or a
 * replication id that is not 40 hex digits: -EINVAL.
 */
#define REPL_MAX_REPLICAS	8
struct repl_info {
	struct role_info role;
	char replid[REPLID_LEN + 1];	/* "" if not reported */
	char replid2[REPLID_LEN + 1];
	size_t n_replicas;
	struct hostport replicas[REPL_MAX_REPLICAS];
};
int proto_parse_info_repl(const char *buf, size_t len, struct repl_info *out);

/* INFO server: the run_id line (40 hex digits: a new one every time the
 * server process starts). -EINVAL if there is none or it is malformed. */
int proto_parse_info_run_id(const char *buf, size_t len,
    char out[REPLID_LEN + 1]);

/* Reply to SENTINEL MASTER <name>: a flat array of field, value bulk
 * strings (RESP2) or a map (RESP3). Fills down-after-milliseconds,
 * failover-timeout and quorum; other fields are ignored. Not an array of
 * an even number of strings, or one of those three not a number: -EINVAL. */
int proto_parse_master_params(const struct redisReply *r,
    struct sentinel_params *out);

/*
 * What a subscribed connection may receive (RESP2 arrays or RESP3 pushes
 * of bulk/status strings and one integer): a subscription change
 * ["subscribe"|"unsubscribe", channel, count], a message
 * ["message", channel, payload], a pattern message
 * ["pmessage", pattern, channel, payload] or a ping answer
 * ["pong", text]. Anything else (another type or count of elements, an
 * element of the wrong type) is -EINVAL: the connection must be dropped.
 * The pointers point into the reply.
 */
enum pubsub_kind {
	PUBSUB_SUBSCRIBE = 1,
	PUBSUB_UNSUBSCRIBE,
	PUBSUB_MESSAGE,		/* also pmessage */
	PUBSUB_PONG,
};
struct pubsub_msg {
	enum pubsub_kind kind;
	const char *channel;
	size_t channel_len;
	const char *payload;	/* MESSAGE and PONG */
	size_t payload_len;
};
int proto_parse_pubsub(const struct redisReply *r, struct pubsub_msg *out);

/* Reply to SENTINEL get-master-addr-by-name: 2-element array of bulk
 * strings host, port (1..65535, digits only), or nil when the name is
 * unknown (returns 0 and *has_master = 0). The host is an IP literal or,
 * with Sentinel's announce-hostnames, a DNS name (netaddr.h). Anything
 * else: -EINVAL. */
int proto_parse_master_addr(const struct redisReply *r, struct hostport *out,
    int *has_master);

/* A Sentinel pub/sub event: channel (event name) plus payload. */
enum sentinel_event_type {
	SEV_OTHER = 0,		/* valid but not one we care about */
	SEV_SWITCH_MASTER,	/* +switch-master <name> <oip> <oport>
				 * <nip> <nport> */
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
	SEV_VOTE_FOR_LEADER,	/* +vote-for-leader <runid> <epoch> */
	SEV_SET,		/* +set %@ <option> <value> */
};

/* Strings are NUL-terminated; bytes outside printable ASCII are replaced
 * by '?' so they can be logged as they are. */
struct sentinel_event {
	enum sentinel_event_type type;
	char name[64];			/* event channel as received,
					 * truncated */
	/* The master it concerns, "" if none: <name> of a master instance,
	 * the name after "@" for other instances, +switch-master's first
	 * token. A longer name makes the event malformed (never truncated,
	 * so it cannot alias a configured name). */
	char master_name[128];
	/* %@ events: the instance the event is about */
	char instance_type[16];		/* "master", "slave", "sentinel",
					 * "replica", "unknown"; "" if none */
	struct hostport instance;	/* a literal or a name */
	/* %@ events: that master's address (the instance itself for a master,
	 * the address after "@" otherwise: for +promoted-slave and
	 * +config-update-from the OLD master). */
	struct hostport master_addr;
	/* +switch-master: old and new address */
	struct hostport old_master, new_master;
	uint64_t epoch;			/* +new-epoch, +vote-for-leader */
	enum node_role reported_role;	/* +/-role-change: MASTER or REPLICA */
};

/* Parse channel + payload (docs/design.md, "Who says what", lists the
 * events). The payload need not be NUL-
 * terminated; nothing beyond plen is read. Returns 0 (out filled; type
 * SEV_OTHER and only `name` set for events we do not track), -EINVAL for a
 * malformed payload of a tracked event (out->type and name are still set).
 * Tracked payloads:
 *   %@ = <type> <name> <ip> <port>[ @ <master> <mip> <mport>]
 *   +sdown -sdown -odown +reboot +try-failover +elected-leader
 *   +selected-slave +failover-state-send-slaveof-noone
 *   +failover-state-wait-promotion +promoted-slave +convert-to-slave
 *   +config-update-from +failover-end +failover-end-for-timeout
 *   -failover-abort-*: %@
 *   +odown: %@ #quorum <n>/<q>
 *   +role-change -role-change: %@ new reported role is master|slave
 *   +switch-master: <name> <oldip> <oldport> <newip> <newport>
 *   +new-epoch: <epoch>
 *   +vote-for-leader: <runid> <epoch>
 *   +tilt: #tilt mode entered      -tilt: #tilt mode exited
 *   +set: %@ <option> <value>
 * Tokens are separated by single spaces; ports are 1..65535; hosts are IP
 * literals or names as netaddr.h takes them. */
int proto_parse_event(const char *channel, size_t chlen,
    const char *payload, size_t plen, struct sentinel_event *out);

/* Canonical name: the channel ("+switch-master"), except "role-change" for
 * both +/-role-change, "-failover-abort" for all aborts, "other", and
 * "unknown" for a value outside the enum. */
const char *sentinel_event_type_name(enum sentinel_event_type t);

#endif
