// Preloaded (node --import) into third-party servers the benchmark starts:
// - a listen() without a host binds to 127.0.0.1 instead of every interface;
// - the process exits when its parent goes away (its stdin, a pipe from the benchmark, ends).
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
	const [first, second] = args;
	if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
		if (args.length === 1 || typeof second === 'function') args.splice(1, 0, '127.0.0.1');
	} else if (first !== null && typeof first === 'object' && first.host === undefined && first.path === undefined) {
		args[0] = {...first, host: '127.0.0.1'};
	}
	return listen.apply(this, args);
};

if (process.env.BENCH_EXIT_WITH_STDIN === '1') {
	process.stdin.on('data', () => {});
	process.stdin.on('end', () => process.exit(0));
	process.stdin.unref?.();
}
