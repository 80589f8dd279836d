import type { ReactNode } from 'react';
import { ApiError } from '../api.js';

export function ErrorNotice(props: { error: unknown }) {
  if (props.error === undefined || props.error === null) return null;
  const error = props.error;
  const text =
    error instanceof ApiError
      ? `${error.status}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p className="notice notice-error" role="alert">
      {text}
    </p>
  );
}

export function Notice(props: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice notice-${props.tone ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

export function StatCard(props: { label: string; value: string; hint?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{props.label}</div>
      <div className="stat-value">{props.value}</div>
      {props.hint === undefined ? null : <div className="stat-hint">{props.hint}</div>}
    </div>
  );
}

/** Tables scroll inside their box, so a narrow screen never scrolls the whole page sideways. */
export function TableBox(props: { children: ReactNode; label: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-box" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}
