#ifndef VIPD_SENTINEL_H
#define VIPD_SENTINEL_H
#endif
