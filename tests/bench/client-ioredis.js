'use strict';
/*
 * ioredis at its default settings, writing through one address (the VIP or
 * HAProxy) for the failover benchmark; arguments and log in
 * client-common.js. What the defaults are (ioredis 6, lib/redis/
 * RedisOptions): connectTimeout 10 s; after a lost connection a retry after
 * min(2^(k-1) * 50, 5000) ms + 0-199 ms of jitter for the k-th attempt
 * (50, 100, 200, 400, 800, 1600 ms ...), the count reset once a connection
 * is ready; commands queued while offline and in-flight ones re-sent after
 * the reconnect (maxRetriesPerRequest 20); a ready check (INFO) before the
 * first command on each connection.
 */
const Redis = require('ioredis');
const { run, TUNED, tunedDelay, TUNED_CONNECT_TIMEOUT } = require('./client-common');

run('ioredis', require('ioredis/package.json').version, (o, event) => {
	/* no options at all unless BENCH_CLIENT_SETTINGS=tuned */
	const c = TUNED ?
		new Redis(o.port, o.host, { retryStrategy: tunedDelay, connectTimeout: TUNED_CONNECT_TIMEOUT }) :
		new Redis(o.port, o.host);
	c.on('connect', () => event('connect'));
	c.on('ready', () => event('ready'));
	c.on('error', (e) => event('error', e));
	c.on('close', () => event('close'));
	c.on('reconnecting', (ms) => event('reconnecting', ms));
	c.on('end', () => event('end'));
	return { set: (k, v) => c.set(k, v), close: () => c.disconnect() };
});
