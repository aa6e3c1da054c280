/*
 * log: one-line log messages to stderr.
 *
 * When stderr is the journal stream systemd named in JOURNAL_STREAM
 * ("device:inode", systemd.exec(5)), lines carry sd-daemon priority prefixes
 * ("<6>") and no timestamp; otherwise (also when the variable was merely
 * inherited) a local timestamp and a level word. Start-up failures are
 * logged with log_err() and returned up to main(), which exits 1.
 */
#ifndef VIPD_LOG_H
#define VIPD_LOG_H

#include <stdbool.h>

void log_init(bool debug);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
