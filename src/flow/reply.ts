/** What a flow step answers; the HTTP layer turns it into a response. */
export type Reply =
  | { kind: 'html'; status: number; html: string; setCookies: string[]; formAction?: string }
  | { kind: 'redirect'; location: string; setCookies: string[] };

export function redirect(location: string, setCookies: Array<string | undefined> = []): Reply {
  return { kind: 'redirect', location, setCookies: setCookies.filter((c): c is string => c !== undefined) };
}

export function htmlReply(html: string, options: { status?: number; setCookies?: Array<string | undefined>; formAction?: string } = {}): Reply {
  return {
    kind: 'html',
    status: options.status ?? 200,
    html,
    setCookies: (options.setCookies ?? []).filter((c): c is string => c !== undefined),
    ...(options.formAction ? { formAction: options.formAction } : {}),
  };
}
