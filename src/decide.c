/* decide: not yet written */
typedef int vipd_decide_placeholder;
