// The heading of a tab that shows a figure as of one moment (achievements, budgets): its title, when
// the figures were read, and a button that reads them again.
import type { ComponentChildren } from 'preact';
import { formatDateTime } from '../../components/format';

export function AsOfToolbar(props: {
  title: ComponentChildren;
  asOf: string | undefined;
  refreshLabel: string;
  onRefresh: () => void;
  loading: boolean;
}) {
  return (
    <div class="toolbar">
      <h2 class="tab-title">{props.title}</h2>
      <span class="spacer" />
      {props.asOf && (
        <span class="muted small">
          As of <time dateTime={props.asOf}>{formatDateTime(props.asOf)}</time>
        </span>
      )}
      <button type="button" onClick={props.onRefresh} disabled={props.loading}>
        {props.refreshLabel}
      </button>
    </div>
  );
}
