/* addr: not yet written */
typedef int vipd_addr_placeholder;
