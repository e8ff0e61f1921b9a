import { render } from 'preact';
import { useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { apiKey } from './api.js';
import { useConnection, useRoute } from './hooks.js';
import { ArticleDetail } from './views/article-detail.js';
import { Articles } from './views/articles.js';
import { Costs } from './views/costs.js';
import { Failures } from './views/failures.js';
import { Overview } from './views/overview.js';
import { Submit } from './views/submit.js';
import { Workers } from './views/workers.js';

const NAV = [
  ['', 'Overview'],
  ['articles', 'Articles'],
  ['failures', 'Failures'],
  ['workers', 'Workers'],
  ['submit', 'Submit'],
  ['costs', 'Costs'],
] as const;

function App() {
  const [section = '', id] = useRoute();
  const status = useConnection();
  return (
    <>
      <header class="top">
        <strong class="brand">Distill</strong>
        <nav>
          {NAV.map(([path, label]) => (
            <a
              key={path}
              href={`#/${path}`}
              class={section === path || (section === 'batches' && path === 'articles') ? 'active' : ''}
            >
              {label}
            </a>
          ))}
        </nav>
        <KeyBox needsKey={status.needsKey} />
      </header>
      {status.reconnecting && (
        <div class="banner" role="alert" data-testid="reconnecting">
          Connection to the API lost — reconnecting; live views catch up when it is back.
        </div>
      )}
      <main key={`${section}/${id ?? ''}/${status.keys}`}>{view(section, id)}</main>
    </>
  );
}

function view(section: string, id: string | undefined) {
  switch (section) {
    case 'articles':
      return id ? <ArticleDetail id={id} /> : <Articles />;
    case 'batches':
      return <Articles batchId={id} />;
    case 'failures':
      return <Failures />;
    case 'workers':
      return <Workers />;
    case 'submit':
      return <Submit />;
    case 'costs':
      return <Costs />;
    default:
      return <Overview />;
  }
}

/** The API key, entered once (kept in this browser); asked for when the API refuses the request. */
function KeyBox({ needsKey }: { needsKey: boolean }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  if (!editing && !needsKey)
    return (
      <button type="button" class="key link" onClick={() => setEditing(true)}>
        {apiKey.get() ? 'API key ✓' : 'API key'}
      </button>
    );
  return (
    <form
      class={`key ${needsKey ? 'needed' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        apiKey.set(value.trim());
        setEditing(false);
        setValue('');
      }}
    >
      {needsKey && <span>This API needs a key:</span>}
      <input
        type="password"
        name="apiKey"
        placeholder="dk_…"
        autocomplete="off"
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit">Use key</button>
    </form>
  );
}

render(<App />, document.getElementById('app')!);
