import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';

/** The settings start with the password page. */
export const load: PageLoad = () => {
  redirect(307, '/settings/password');
};
