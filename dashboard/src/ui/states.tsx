import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.js';

/** The three states every panel can be in besides showing data. */

export const Loading = ({ what }: { what: string }) => (
  <div class="state loading" role="status">
    Loading {what}…
  </div>
);

export function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  const hint =
    error.code === 'FORBIDDEN'
      ? 'This view needs an admin key.'
      : error.code === 'UNAUTHENTICATED'
        ? 'Enter an API key above.'
        : error.code === 'NETWORK'
          ? 'Check that the API is running.'
          : undefined;
  return (
    <div class="state error" role="alert">
      <strong>{error.message}</strong>
      {hint && <span> {hint}</span>}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export const Empty = ({ children }: { children: ComponentChildren }) => <div class="state empty">{children}</div>;

/** Shows loading, error or empty instead of `children` until there is data. */
export function Panel<T>(props: {
  title?: string;
  what: string;
  data: T | undefined;
  error: ApiError | undefined;
  retry?: () => void;
  children: (data: T) => ComponentChildren;
}) {
  const { data, error } = props;
  return (
    <section class="panel">
      {props.title && <h2>{props.title}</h2>}
      {data !== undefined ? (
        <>
          {error && <ErrorState error={error} retry={props.retry} />}
          {props.children(data)}
        </>
      ) : error ? (
        <ErrorState error={error} retry={props.retry} />
      ) : (
        <Loading what={props.what} />
      )}
    </section>
  );
}
