// A labelled value: a group named by its label, so assistive technology reads
// "Current active points, group, 70" and tests find it by that name.
// (A <dl>'s term and definition cannot carry a name: ARIA prohibits naming them.)
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

export function Fact({ label, class: cls, children }: { label: string; class?: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <div class={cls ? `fact ${cls}` : 'fact'} role="group" aria-labelledby={id}>
      <span class="fact-label" id={id}>
        {label}
      </span>
      <span class="fact-value">{children}</span>
    </div>
  );
}
