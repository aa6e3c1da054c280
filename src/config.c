/* config: not yet written */
typedef int vipd_config_placeholder;
