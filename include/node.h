#ifndef VIPD_NODE_H
#define VIPD_NODE_H
#endif
