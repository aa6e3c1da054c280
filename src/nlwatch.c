/* nlwatch: not yet written */
typedef int vipd_nlwatch_placeholder;
