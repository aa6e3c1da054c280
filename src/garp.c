/* garp: not yet written */
typedef int vipd_garp_placeholder;
