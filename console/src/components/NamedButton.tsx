// A write button that shows a verb ("Rename") and is named in full ("Rename Newsletter") for assistive technology.
import { useWriteGuard } from '../session';

export function NamedButton({
  verb,
  name,
  onClick,
  disabled,
  class: cls,
}: {
  verb: string;
  /** What it acts on, read after the verb. */
  name: string;
  onClick: () => void;
  disabled?: boolean;
  class?: string;
}) {
  const guard = useWriteGuard();
  return (
    <button type="button" class={cls} {...guard(disabled)} onClick={onClick}>
      {verb}
      <span class="sr-only"> {name}</span>
    </button>
  );
}
