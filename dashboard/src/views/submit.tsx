import { useEffect, useState } from 'preact/hooks';
import { request, subscribe, type ApiError } from '../api.js';
import { parseBatch } from '../csv.js';
import type { DashBatchProgressSubscription, Priority } from '../generated/graphql.js';
import { SubmitArticleMutation, SubmitBatchMutation, BatchProgressSubscription } from '../operations.js';
import { Progress } from '../ui/badge.js';

type FieldErrors = { path: string[]; message: string }[];

export function Submit() {
  return (
    <div class="view submit two">
      <OneArticle />
      <ManyArticles />
    </div>
  );
}

function OneArticle() {
  const [form, setForm] = useState({ title: '', content: '', sourceUrl: '', priority: 'NORMAL' as Priority });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ ok: boolean; message: string; id?: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      const { submitArticle: r } = await request(SubmitArticleMutation, { input: form });
      if (r.__typename === 'SubmitArticlePayload') {
        setErrors({});
        setResult({ ok: true, message: `Article ${r.article.id} queued`, id: r.article.id });
      } else if (r.__typename === 'ValidationError') {
        setErrors(Object.fromEntries(r.fieldErrors.map((f) => [f.path[0] ?? '', f.message])));
        setResult({ ok: false, message: r.message });
      } else setResult({ ok: false, message: r.message });
    } catch (err) {
      setResult({ ok: false, message: (err as ApiError).message });
    } finally {
      setBusy(false);
    }
  };
  const field = (name: 'title' | 'sourceUrl', label: string) => (
    <label class={errors[name] ? 'invalid' : ''}>
      {label}
      <input name={name} value={form[name]} onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })} />
      {errors[name] && <span class="field-error">{errors[name]}</span>}
    </label>
  );

  return (
    <form class="panel form" onSubmit={(e) => void send(e)} data-testid="submit-one">
      <h2>Submit an article</h2>
      {field('title', 'Title')}
      {field('sourceUrl', 'Source URL')}
      <label class={errors.content ? 'invalid' : ''}>
        Content
        <textarea
          name="content"
          rows={8}
          value={form.content}
          onInput={(e) => setForm({ ...form, content: e.currentTarget.value })}
        />
        {errors.content && <span class="field-error">{errors.content}</span>}
      </label>
      <label>
        Priority
        <select
          name="priority"
          value={form.priority}
          onChange={(e) => setForm({ ...form, priority: e.currentTarget.value as Priority })}
        >
          <option>HIGH</option>
          <option>NORMAL</option>
          <option>LOW</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Submit
      </button>
      {result && (
        <p class={result.ok ? 'notice' : 'state error'} role="status">
          {result.message}
          {result.id && (
            <>
              {' '}
              · <a href={`#/articles/${result.id}`}>follow it</a>
            </>
          )}
        </p>
      )}
    </form>
  );
}

const EXAMPLE = `title,content,sourceUrl,priority
"Rates hold","The central bank kept rates unchanged, citing steady inflation.",https://news.example.com/1,HIGH
"Harvest up","Farmers reported a record harvest after a mild summer.",https://news.example.com/2,LOW`;

function ManyArticles() {
  const [text, setText] = useState('');
  const [rowErrors, setRowErrors] = useState<{ row: number | null; message: string }[]>([]);
  const [batch, setBatch] = useState<DashBatchProgressSubscription['batchProgress'] | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (e: Event) => {
    e.preventDefault();
    setRowErrors([]);
    setBatch(null);
    const parsed = parseBatch(text);
    if ('error' in parsed) return setRowErrors([{ row: parsed.row ?? null, message: parsed.error }]);
    setBusy(true);
    try {
      const { submitArticles: r } = await request(SubmitBatchMutation, { input: parsed.items });
      if (r.__typename === 'SubmitArticlesPayload') {
        const { id, total } = r.batch;
        setBatch({ id, total, pending: total, processing: 0, completed: 0, failed: 0, cancelled: 0, finished: false });
      } else if (r.__typename === 'ValidationError') setRowErrors(rowsOf(r.fieldErrors, r.message));
      else setRowErrors([{ row: null, message: r.message }]);
    } catch (err) {
      setRowErrors([{ row: null, message: (err as ApiError).message }]);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!batch?.id) return;
    return subscribe(BatchProgressSubscription, { id: batch.id }, { next: (d) => setBatch(d.batchProgress) });
  }, [batch?.id]);

  return (
    <form class="panel form" onSubmit={(e) => void send(e)} data-testid="submit-batch">
      <h2>Submit a batch</h2>
      <p class="muted">
        A JSON array of {'{title, content, sourceUrl, priority}'} or CSV with a header row; up to 1,000 at once, all or nothing.
      </p>
      <textarea name="batch" rows={10} placeholder={EXAMPLE} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>
        Submit batch
      </button>
      {rowErrors.length > 0 && (
        <ul class="row-errors" role="alert">
          {rowErrors.map((e, i) => (
            <li key={i} data-row={e.row ?? ''}>
              {e.row !== null && <strong>Row {e.row + 1}: </strong>}
              {e.message}
            </li>
          ))}
        </ul>
      )}
      {batch && (
        <div class="batch" data-testid="batch-progress">
          <p>
            Batch {batch.id}: {batch.completed} completed, {batch.failed} failed, {batch.processing} processing, {batch.pending}{' '}
            pending of {batch.total}
            {batch.finished && ' · finished'} · <a href={`#/batches/${batch.id}`}>list its articles</a>
          </p>
          <Progress value={(batch.completed + batch.failed + batch.cancelled) / batch.total} />
        </div>
      )}
    </form>
  );
}

/** The API's batch errors name the item first (`["2", "sourceUrl"]`): one line per row and field. */
function rowsOf(fieldErrors: FieldErrors, message: string): { row: number | null; message: string }[] {
  if (fieldErrors.length === 0) return [{ row: null, message }];
  return fieldErrors.map(({ path, message }) => {
    const index = Number(path[0]);
    return Number.isInteger(index) && path.length > 0
      ? { row: index, message: `${path.slice(1).join('.')} ${message}`.trim() }
      : { row: null, message: `${path.join('.')} ${message}`.trim() };
  });
}
