/* ctl: not yet written */
typedef int vipd_ctl_placeholder;
