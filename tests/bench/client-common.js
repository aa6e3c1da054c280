'use strict';
/*
 * The part the three client programs of the failover benchmark share
 * (tests/bench/client-ioredis.js, client-node-redis.js, client-iovalkey.js):
 * arguments, the log, the clock and the write loop. Each program only says
 * how its library connects and sends a SET, at the library's DEFAULT
 * settings: no retry strategy, connect timeout, keepalive or queue option is
 * passed, so the benchmark measures what an application that never tuned
 * its client gets.
 *
 *   node client-<lib>.js [-i interval_ms] [-k prefix] [-l logfile] host port
 *
 * Every interval (default 10 ms) it issues `SET <prefix>:<n> <n>` for n = 1,
 * 2, 3 ... without waiting for the one before, as an application serving
 * requests at a steady rate does; a write that the library rejects is not
 * retried by us (only what the library itself retries is). The libraries
 * queue commands while they reconnect, so after an outage a burst of queued
 * writes is acknowledged at once.
 *
 * Log (one line each, flushed at once; times are CLOCK_MONOTONIC ms, the
 * clock of tests/net/writer: process.hrtime reads CLOCK_MONOTONIC on Linux):
 *   start <ms> <lib>@<version> <host>:<port>
 *   ack <n> <ms> <sent_ms>      SET <prefix>:<n> answered +OK
 *   fail <n> <ms> <error>       the library rejected the write
 *   event <ms> <name> [detail]  the library's own events: connect (TCP up),
 *                               ready, error (with its code), close,
 *                               reconnecting (with the delay it chose), end
 *   stop <ms> acks=<a> fails=<f> max_gap_ms=<g>
 *
 * BENCH_CLIENT_SETTINGS=tuned in the environment replaces the defaults with
 * the client settings README suggests to those who can tune their client: a
 * reconnect delay of min(k * 50, 200) ms for the k-th attempt and a 500 ms
 * connect timeout. The start line then says "tuned".
 */
const fs = require('fs');

const TUNED = process.env.BENCH_CLIENT_SETTINGS === 'tuned';
/* The tuned reconnect delay (ms) before the k-th attempt, k = 1, 2, ... */
const tunedDelay = (k) => Math.min(Math.max(k, 1) * 50, 200);
const TUNED_CONNECT_TIMEOUT = 500;

function nowMs() {
	return Number(process.hrtime.bigint() / 1000000n);
}

function usage(msg) {
	process.stderr.write(`${msg}\nusage: node client-<lib>.js [-i interval_ms] [-k prefix] [-l logfile] host port\n`);
	process.exit(1);
}

function parseArgs(argv) {
	const o = { interval: 10, prefix: 'seq', log: null, host: null, port: null };
	const rest = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '-i' || a === '-k' || a === '-l') {
			if (i + 1 >= argv.length)
				usage(`${a} needs a value`);
			const v = argv[++i];
			if (a === '-i')
				o.interval = Number(v);
			else if (a === '-k')
				o.prefix = v;
			else
				o.log = v;
		} else {
			rest.push(a);
		}
	}
	if (rest.length !== 2)
		usage('host and port are required');
	o.host = rest[0];
	o.port = Number(rest[1]);
	if (!Number.isInteger(o.interval) || o.interval <= 0)
		usage(`bad interval: ${o.interval}`);
	if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535)
		usage(`bad port: ${rest[1]}`);
	return o;
}

/* One line of text for the log: no newlines, bounded. */
function oneLine(v) {
	let s;
	if (v instanceof Error) {
		s = v.code ? `${v.code} ${v.message}` : `${v.name}: ${v.message}`;
	} else {
		s = String(v);
	}
	return s.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

/*
 * run(lib, version, open): open(opts, event) returns { set(key, value) ->
 * Promise of the reply, close() }, and reports the library's events through
 * event(name, detail).
 */
function run(lib, version, open) {
	const o = parseArgs(process.argv.slice(2));
	const fd = o.log ? fs.openSync(o.log, 'w') : 1;
	const line = (s) => fs.writeSync(fd, `${s}\n`);
	const event = (name, detail) =>
		line(`event ${nowMs()} ${name}${detail === undefined ? '' : ` ${oneLine(detail)}`}`);
	let acks = 0, fails = 0, lastAck = 0, maxGap = 0, n = 0, stopping = false;

	line(`start ${nowMs()} ${lib}@${version} ${o.host}:${o.port} ${TUNED ? 'tuned' : 'defaults'}`);
	const client = open(o, event);

	function writeOne() {
		const k = ++n, sent = nowMs();
		client.set(`${o.prefix}:${k}`, String(k)).then((reply) => {
			const t = nowMs();
			if (reply === 'OK') {
				acks++;
				if (lastAck && t - lastAck > maxGap)
					maxGap = t - lastAck;
				lastAck = t;
				line(`ack ${k} ${t} ${sent}`);
			} else {
				fails++;
				line(`fail ${k} ${t} unexpected reply ${oneLine(reply)}`);
			}
		}, (err) => {
			fails++;
			if (!stopping)
				line(`fail ${k} ${nowMs()} ${oneLine(err)}`);
		});
	}

	/* A fixed cadence: each tick is scheduled from the planned time of the
	 * one before, not from when the callback ran. */
	let next = nowMs();
	let timer = null;
	function tick() {
		writeOne();
		next += o.interval;
		const now = nowMs();
		if (next < now)
			next = now;
		timer = setTimeout(tick, next - now);
	}
	timer = setTimeout(tick, 0);

	function stop() {
		if (stopping)
			return;
		stopping = true;
		clearTimeout(timer);
		line(`stop ${nowMs()} acks=${acks} fails=${fails} max_gap_ms=${maxGap}`);
		try {
			client.close();
		} catch (e) {
			/* already closed: nothing to do */
		}
		process.exit(0);
	}
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

module.exports = { run, nowMs, TUNED, tunedDelay, TUNED_CONNECT_TIMEOUT };
