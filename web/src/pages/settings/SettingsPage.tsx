// `/settings`: the signed-in person's own account, in two tabs. The tab follows the address's
// hash (#profile, #security — the link in every security notice mail), so it can be linked to
// and the back button works.
import { useEffect, useState, type KeyboardEvent } from 'react';
import { AppLayout } from '../../app/layouts.tsx';
import { ProfileTab } from './ProfileTab.tsx';
import { SecurityTab } from './SecurityTab.tsx';

const TABS = [
  { id: 'profile', label: 'Profile', Panel: ProfileTab },
  { id: 'security', label: 'Security', Panel: SecurityTab },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** #security and #security-<section> open the Security tab; anything else Profile. */
function tabFromHash(hash: string): TabId {
  return hash === '#security' || hash.startsWith('#security-') ? 'security' : 'profile';
}

export function SettingsPage() {
  const [tab, setTab] = useState<TabId>(() => tabFromHash(window.location.hash));

  useEffect(() => {
    const onHashChange = () => setTab(tabFromHash(window.location.hash));
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  useEffect(() => {
    // A link to one section (#security-sessions) scrolls to it once the tab shows it.
    const hash = window.location.hash;
    if (hash.startsWith('#security-')) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [tab]);

  function select(next: TabId, focus = false) {
    setTab(next);
    history.replaceState(null, '', `#${next}`);
    if (focus) document.getElementById(`tab-${next}`)?.focus();
  }

  // WAI-ARIA tabs: arrow keys move between tabs, Home and End jump to the ends.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = TABS.findIndex((entry) => entry.id === tab);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(TABS[(target + TABS.length) % TABS.length]!.id, true);
  }

  return (
    <AppLayout title="Settings">
      <h1>Settings</h1>
      <div className="tabs" role="tablist" aria-label="Settings" onKeyDown={onKeyDown}>
        {TABS.map((entry) => (
          <button
            key={entry.id}
            id={`tab-${entry.id}`}
            type="button"
            role="tab"
            className="tabs__tab"
            aria-selected={entry.id === tab}
            aria-controls={`panel-${entry.id}`}
            tabIndex={entry.id === tab ? 0 : -1}
            onClick={() => select(entry.id)}
          >
            {entry.label}
          </button>
        ))}
      </div>
      {TABS.map(({ id, Panel }) => (
        <div key={id} id={`panel-${id}`} role="tabpanel" aria-labelledby={`tab-${id}`} hidden={id !== tab} tabIndex={0}>
          {id === tab && <Panel />}
        </div>
      ))}
    </AppLayout>
  );
}
