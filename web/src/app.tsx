import { useEffect, useState } from 'react';
import { type Session, signIn, storedKey, storeKey } from './api.js';
import { Link } from './components/link.js';
import { ErrorNotice } from './components/notice.js';
import { BackendsPage } from './pages/backends-page.js';
import { KeyDetailPage } from './pages/key-detail-page.js';
import { KeysPage } from './pages/keys-page.js';
import { McpPage } from './pages/mcp-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PlaygroundPage } from './pages/playground-page.js';
import { RequestDetailPage, RequestsPage } from './pages/requests-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { UsagePage } from './pages/usage-page.js';
import { navigate, useRoute } from './router.js';

interface NavItem {
  route: string;
  label: string;
  masterOnly?: boolean;
}

const NAV: readonly NavItem[] = [
  { route: '', label: 'Overview' },
  { route: 'keys', label: 'Keys', masterOnly: true },
  { route: 'usage', label: 'Usage' },
  { route: 'requests', label: 'Requests' },
  { route: 'backends', label: 'Backends', masterOnly: true },
  { route: 'mcp', label: 'MCP' },
  { route: 'playground', label: 'Playground' },
];

function MasterOnly() {
  return (
    <section>
      <h1>Not available</h1>
      <p className="notice notice-warning" role="alert">
        This page needs the master key. You are signed in with a virtual key, which sees only its own usage, credits and
        requests.
      </p>
    </section>
  );
}

function Page(props: { route: string; session: Session }) {
  const [section = '', id] = props.route.split('/');
  const master = props.session.role === 'master';
  switch (section) {
    case '':
      return <OverviewPage session={props.session} />;
    case 'keys':
      if (!master) return <MasterOnly />;
      return id === undefined ? (
        <KeysPage session={props.session} />
      ) : (
        <KeyDetailPage session={props.session} id={decodeURIComponent(id)} />
      );
    case 'usage':
      return <UsagePage session={props.session} />;
    case 'requests':
      return id === undefined ? (
        <RequestsPage session={props.session} />
      ) : (
        <RequestDetailPage session={props.session} id={decodeURIComponent(id)} />
      );
    case 'backends':
      return master ? <BackendsPage session={props.session} /> : <MasterOnly />;
    case 'mcp':
      return <McpPage session={props.session} />;
    case 'playground':
      return <PlaygroundPage session={props.session} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No page here. <Link to="">Go to the overview</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [restoreError, setRestoreError] = useState<unknown>();

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    signIn(key)
      .then(setSession, (error: unknown) => {
        storeKey(null);
        setRestoreError(error);
      })
      .finally(() => setRestoring(false));
  }, []);

  const onSignedIn = (next: Session) => {
    storeKey(next.key);
    setSession(next);
  };
  const signOut = () => {
    storeKey(null);
    setSession(null);
    navigate('');
  };

  if (restoring) return <p className="loading">Loading…</p>;
  if (session === null) {
    return (
      <main className="sign-in-main">
        <ErrorNotice error={restoreError} />
        <SignInPage onSignedIn={onSignedIn} />
      </main>
    );
  }
  const section = route.split('/')[0] ?? '';
  return (
    <div className="shell">
      <header className="top">
        <div className="brand">LlamaGate</div>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((item) => !item.masterOnly || session.role === 'master').map((item) => (
              <li key={item.route}>
                <Link to={item.route} current={section === item.route}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className="role" data-testid="signed-in-as">
            {session.role === 'master' ? 'Master key' : `Virtual key ${session.keyId ?? ''}`}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Page route={route} session={session} />
      </main>
    </div>
  );
}
