import type {CommandOf} from '../keymap.js';
import {useNavigator, useOfferedCommands, useViewCommands} from '../navigation.js';
import type {ScreenKind} from '../screens/index.js';
import type {ChangeRunner} from './useChange.js';

/**
 * The commands every operation view shares: while a change runs, only Esc (which stops following);
 * once it is done, Esc and n go back; otherwise the view's own, `r` to plan again, `y` to submit and
 * `n` to cancel.
 */
export function useOperationCommands<K extends ScreenKind>(
	screen: K,
	change: Pick<ChangeRunner<unknown>, 'state' | 'reset'>,
	handlers: {readonly confirm: () => void; readonly replan: () => void; readonly other?: (command: CommandOf<K>) => boolean | void},
) {
	const navigator = useNavigator();
	// While it runs or once it is done, none of the plan's keys does anything: only Esc (global) is offered.
	useOfferedCommands(change.state.stage === 'running' || change.state.stage === 'done' ? [] : undefined);
	useViewCommands(screen, (command) => {
		if (command === 'back') return false;
		if (change.state.stage === 'running') return;
		if (change.state.stage === 'done') {
			if (command === 'cancel') navigator.back();
			return;
		}
		switch (command) {
			case 'confirm':
				if (change.state.stage === 'idle') handlers.confirm();
				return;
			case 'cancel':
				navigator.back();
				return;
			case 'replan':
				change.reset();
				handlers.replan();
				return;
			default:
				change.reset();
				return handlers.other?.(command);
		}
	});
}
