#ifndef VIPD_VIP_H
#define VIPD_VIP_H
#endif
