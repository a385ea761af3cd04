import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 30_000,
		hookTimeout: 30_000,
		// Engine tests bind real ports and spawn processes; two workers match the two cores.
		maxWorkers: 2,
		// Each worker keeps its modules from one file to the next: importing the SDK, Ink and the engine again
		// for each file was a quarter of the suite's time (test/ui and test/console/records: 87 s against 64 s,
		// imports 42 s against 12 s). No test mocks a module, no module reads the environment when loaded, and
		// the tests that change process.env put it back (test/console/awsEnv.ts).
		isolate: false,
		env: {
			AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
			// aws-sdk v2 (test/engine/cloudwatchQuery.test.ts) prints an end-of-support notice when it loads unless this is set.
			AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
		},
	},
});
