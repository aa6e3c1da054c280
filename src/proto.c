/* proto: not yet written */
typedef int vipd_proto_placeholder;
