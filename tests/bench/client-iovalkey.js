'use strict';
/*
 * iovalkey (Valkey's Node client, a fork of ioredis) at its default
 * settings, for the failover benchmark; arguments and log in
 * client-common.js. Its defaults differ from ioredis's where it matters
 * here (iovalkey 0.4, lib/redis/RedisOptions): the k-th reconnect waits
 * min(k * 50, 2000) ms (50, 100, 150, 200 ... ms: linear, no jitter);
 * connectTimeout 10 s; family 4; keepAlive off.
 */
const Valkey = require('iovalkey');
const { run, TUNED, tunedDelay, TUNED_CONNECT_TIMEOUT } = require('./client-common');

run('iovalkey', require('iovalkey/package.json').version, (o, event) => {
	/* no options at all unless BENCH_CLIENT_SETTINGS=tuned */
	const c = TUNED ?
		new Valkey(o.port, o.host, { retryStrategy: tunedDelay, connectTimeout: TUNED_CONNECT_TIMEOUT }) :
		new Valkey(o.port, o.host);
	c.on('connect', () => event('connect'));
	c.on('ready', () => event('ready'));
	c.on('error', (e) => event('error', e));
	c.on('close', () => event('close'));
	c.on('reconnecting', (ms) => event('reconnecting', ms));
	c.on('end', () => event('end'));
	return { set: (k, v) => c.set(k, v), close: () => c.disconnect() };
});
