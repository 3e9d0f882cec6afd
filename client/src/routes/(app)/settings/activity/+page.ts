import { SecurityEventsQuery } from '#lib/graphql/documents.ts';
import { loadQuery } from '#lib/graphql/load.ts';
import type { PageLoad } from './$types';

const SECURITY_EVENTS_SHOWN = 100;

export const load: PageLoad = async () => {
  const { securityEvents } = await loadQuery(SecurityEventsQuery, { first: SECURITY_EVENTS_SHOWN }, '/settings/activity');
  return { events: securityEvents };
};
