/* node: not yet written */
typedef int vipd_node_placeholder;
