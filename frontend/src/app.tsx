import { useEffect } from 'preact/hooks';
import { live } from './api';
import { Loading } from './components/LoadState';
import { Shell } from './components/Shell';
import { Toasts } from './components/Toasts';
import { AccountDetailPage } from './pages/AccountDetail';
import { AdminPage } from './pages/Admin';
import { AccountNewPage } from './pages/AccountNew';
import { AccountsPage } from './pages/Accounts';
import { DashboardPage } from './pages/Dashboard';
import { HistoryPage } from './pages/History';
import { LoginPage } from './pages/Login';
import { NotFoundPage } from './pages/NotFound';
import { RegisterPage } from './pages/Register';
import { SettingsPage } from './pages/Settings';
import { location, match, navigate } from './router';
import { accounts, loadAccounts } from './state/accounts';
import { loadSession, user } from './state/session';
import './state/live';

const PUBLIC = new Set(['/login', '/register']);

function id(v: string | undefined): number | null {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The signed-in pages, by path. */
function Page({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/' || path === '/dashboard') return <DashboardPage accountId={null} />;
  if ((m = match('/dashboard/:id', path)) && id(m.id)) return <DashboardPage accountId={id(m.id)} />;
  if (path === '/accounts') return <AccountsPage />;
  if (path === '/accounts/new') return <AccountNewPage />;
  if ((m = match('/accounts/:id', path)) && id(m.id)) return <AccountDetailPage accountId={id(m.id)!} />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/admin') return <AdminPage />;
  if (path === '/history') return <HistoryPage />;
  return <NotFoundPage />;
}

export function App() {
  const u = user.value;
  const { path, search } = location.value;

  useEffect(() => {
    const ctl = new AbortController();
    void loadSession(ctl.signal);
    return () => ctl.abort();
  }, []);

  // Signed in: load the accounts and open the live connection; signed out: close it.
  const userId = u?.id;
  useEffect(() => {
    if (userId === undefined) return;
    const ctl = new AbortController();
    void loadAccounts(ctl.signal);
    live.start();
    return () => {
      ctl.abort();
      live.stop();
      accounts.value = undefined;
    };
  }, [userId]);

  // Keep public and private pages apart.
  useEffect(() => {
    if (u === undefined) return;
    if (u === null && !PUBLIC.has(path)) {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + search)}`;
      navigate(`/login${next}`, { replace: true });
    } else if (u && PUBLIC.has(path)) {
      navigate('/', { replace: true });
    }
  }, [u, path, search]);

  let body;
  if (u === undefined) body = <div class="pt-24"><Loading /></div>;
  else if (u === null) body = path === '/register' ? <RegisterPage /> : <LoginPage />;
  else if (PUBLIC.has(path)) body = <div class="pt-24"><Loading /></div>;
  else body = <Shell><Page path={path} /></Shell>;

  return (
    <>
      {body}
      <Toasts />
    </>
  );
}
