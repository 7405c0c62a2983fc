import { api, forgetSignIn, Me, whenSignedOut } from './api';
import { renderForgotPassword, renderResetPassword, renderVerifyEmail, tokenFromHash } from './recovery';
import { renderAccount } from './account';
import { renderAuth, signedOutMessage } from './auth';
import { renderProfile } from './profile';
import { catchPageDrops, renderSession } from './session';
import { renderSessions } from './sessions';
import { announce, clearNotice, confirmAction, showError, showNotice } from './ui';
import { stopAllUploads } from './uploading';

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
const accountEmail = document.getElementById('account-email') as HTMLElement;
let me: Me | null = null;

const idPattern = '([0-9A-Za-z_-]{1,64})';
const sessionRoute = new RegExp(`^#/sessions/${idPattern}$`);
const profileRoute = new RegExp(`^#/sessions/${idPattern}/uploads/${idPattern}$`);

function signedIn(user: Me): void {
  me = user;
  accountEmail.textContent = user.email;
  account.hidden = false;
  if (location.hash.startsWith('#/sign-in') || location.hash.startsWith('#/register')) location.hash = '#/';
  else void route();
}

function signedOut(): void {
  me = null;
  forgetSignIn();
  stopAllUploads();
  account.hidden = true;
  accountEmail.textContent = '';
  if (location.hash !== '#/sign-in') location.hash = '#/sign-in';
  else void route();
}

async function route(): Promise<void> {
  const hash = location.hash || '#/';
  if (hash.startsWith('#/verify-email')) {
    await renderVerifyEmail(main, tokenFromHash(hash));
    return;
  }
  if (!me) {
    if (hash === '#/forgot-password') renderForgotPassword(main);
    else if (hash.startsWith('#/reset-password')) renderResetPassword(main, tokenFromHash(hash));
    else renderAuth(main, hash === '#/register' ? 'register' : 'sign-in', signedIn);
    return;
  }
  clearNotice();
  const profile = profileRoute.exec(hash);
  const session = sessionRoute.exec(hash);
  if (hash === '#/account') renderAccount(main, me, accountDeleted);
  else if (profile) await renderProfile(main, profile[1] as string, profile[2] as string);
  else if (session) await renderSession(main, session[1] as string);
  else await renderSessions(main);
}

function accountDeleted(): void {
  signedOut();
  showNotice('Your account and every file in it are deleted.');
  announce('Account deleted');
}

async function signOut(everywhere: boolean): Promise<void> {
  if (everywhere && !(await confirmAction('Sign out on every device, this one included?', 'Sign out everywhere'))) return;
  try {
    if (everywhere) await api.logoutEverywhere();
    else await api.logout();
  } catch (error) {
    // A sign-in that has already ended is as good as signed out.
    if (!me) return;
    showError(error);
    return;
  }
  signedOut();
  announce(everywhere ? 'Signed out on every device' : 'Signed out');
}

async function start(): Promise<void> {
  whenSignedOut(() => {
    signedOut();
    signedOutMessage();
  });
  document.getElementById('sign-out')?.addEventListener('click', () => void signOut(false));
  document.getElementById('sign-out-everywhere')?.addEventListener('click', () => void signOut(true));
  window.addEventListener('hashchange', () => void route());
  catchPageDrops();
  try {
    const user = await api.me();
    if (user) {
      signedIn(user);
      return;
    }
  } catch (error) {
    showError(error);
  }
  await route();
}

void start();
