/* sentinel: not yet written */
typedef int vipd_sentinel_placeholder;
