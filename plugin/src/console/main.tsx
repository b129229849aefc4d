import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { hostFromAddress } from './host';
import { fragmentCarriesSession, takeConsoleLink } from './session';

// First, before anything can fail or wait: the session leaves the address bar.
const link = takeConsoleLink();

// A new sign-in landing in this tab changes only the fragment, which loads nothing by itself;
// every other fragment change is the console moving between its screens.
window.addEventListener('hashchange', () => {
  if (fragmentCarriesSession(window.location.hash)) window.location.reload();
});

const root = document.getElementById('console-root');
if (!root) throw new Error('#console-root is missing from the page');
createRoot(root).render(
  <StrictMode>
    <App link={link} host={hostFromAddress(window.location.search)} />
  </StrictMode>,
);
