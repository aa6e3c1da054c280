'use strict';
/*
 * node-redis (the `redis` npm package) at its default settings, for the
 * failover benchmark; arguments and log in client-common.js. Its defaults
 * (node-redis 6, @redis/client lib/client/socket): connectTimeout 5 s; a
 * connection that breaks is re-opened at once, and after each failed
 * attempt k (1, 2, ...) the next one waits min(2^k * 50, 2000) ms + 0-199 ms
 * of jitter (100, 200, 400, 800, 1600, 2000 ms ...); commands queued while
 * offline, those in flight when the connection broke are rejected.
 * node-redis wants an 'error' listener (without one an error ends the
 * process); it changes nothing else.
 */
const { createClient } = require('redis');
const { run, TUNED, tunedDelay, TUNED_CONNECT_TIMEOUT } = require('./client-common');

run('node-redis', require('redis/package.json').version, (o, event) => {
	const socket = { host: o.host, port: o.port };
	/* nothing else unless BENCH_CLIENT_SETTINGS=tuned */
	if (TUNED)
		Object.assign(socket, { reconnectStrategy: tunedDelay, connectTimeout: TUNED_CONNECT_TIMEOUT });
	const c = createClient({ socket });
	c.on('connect', () => event('connect'));
	c.on('ready', () => event('ready'));
	c.on('error', (e) => event('error', e));
	c.on('reconnecting', () => event('reconnecting'));
	c.on('end', () => event('end'));
	c.connect().catch((e) => event('error', e));
	return { set: (k, v) => c.set(k, v), close: () => c.destroy() };
});
