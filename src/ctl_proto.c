/* ctl_proto: not yet written */
typedef int vipd_ctl_proto_placeholder;
