/* redis_loop: not yet written */
typedef int vipd_redis_loop_placeholder;
