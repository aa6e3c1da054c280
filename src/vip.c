/* vip: not yet written */
typedef int vipd_vip_placeholder;
