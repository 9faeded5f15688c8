// The web app: who is signed in, and which page each path shows. To add a page, add its path
// here and to WEB_APP_PATHS in src/modules/web/app-shell.ts (the server answers index.html there).
import { Route, Switch } from 'wouter';
import { HomePage } from '../pages/HomePage.tsx';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';
import { RegisterPage } from '../pages/RegisterPage.tsx';
import { SecondFactorPage } from '../pages/SecondFactorPage.tsx';
import { SignInPage } from '../pages/SignInPage.tsx';
import { SettingsPage } from '../pages/settings/SettingsPage.tsx';
import { AnnouncerProvider } from '../ui/index.ts';
import { AuthProvider } from './auth.tsx';
import { RequireAuth, SignedOutOnly } from './guards.tsx';
import { ReauthProvider } from './reauth.tsx';

export function App() {
  return (
    <AnnouncerProvider>
      <AuthProvider>
        <ReauthProvider>
          <Switch>
            <Route path="/" component={HomePage} />
            <Route path="/login">
              <SignedOutOnly>
                <SignInPage />
              </SignedOutOnly>
            </Route>
            <Route path="/login/2fa">
              <SignedOutOnly>
                <SecondFactorPage />
              </SignedOutOnly>
            </Route>
            <Route path="/register">
              <SignedOutOnly>
                <RegisterPage />
              </SignedOutOnly>
            </Route>
            <Route path="/settings">
              <RequireAuth>
                <SettingsPage />
              </RequireAuth>
            </Route>
            <Route component={NotFoundPage} />
          </Switch>
        </ReauthProvider>
      </AuthProvider>
    </AnnouncerProvider>
  );
}
