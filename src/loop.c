/* loop: not yet written */
typedef int vipd_loop_placeholder;
