import { BriefError } from './errors.ts';
import { lazyModule } from '../lazyModule.ts';

/**
 * The one place MJML runs. MJML costs milliseconds per call, so the dispatch
 * path must call it once per brief, never per recipient; the counter lets
 * tests and metrics prove that.
 */

let renders = 0;

// Loaded on first use: MJML costs ~50 MB of memory, and a process that only
// delivers pre-built messages never needs it.
type Mjml2Html = typeof import('mjml');
const loadMjml = lazyModule<Mjml2Html>(
  () => import('mjml').then((m) => ((m as { default?: Mjml2Html }).default ?? m) as Mjml2Html),
  (e) => new Error(`could not load MJML to render the email: ${e.message}`, { cause: e }),
);

/** How many times renderMjml has run in this process. */
export function mjmlRenderCount(): number {
  return renders;
}

interface MjmlIssue {
  formattedMessage?: string;
  message?: string;
  line?: number;
  tagName?: string;
}

function describeIssues(issues: MjmlIssue[]): { field: string; message: string }[] {
  return issues.slice(0, 20).map((i) => ({
    field: i.tagName ?? '',
    message: i.formattedMessage ?? (i.line ? `line ${i.line}: ${i.message ?? ''}` : (i.message ?? 'invalid MJML')),
  }));
}

/**
 * MJML source to HTML in strict validation mode: an invalid template throws a
 * BriefError with code TEMPLATE_INVALID instead of rendering something broken.
 * mj-include is ignored; partials are Handlebars partials (see templates.ts).
 */
export async function renderMjml(src: string): Promise<string> {
  renders++;
  const mjml2html = await loadMjml();
  let result: Awaited<ReturnType<Mjml2Html>>;
  try {
    result = await mjml2html(src, {
      validationLevel: 'strict',
      keepComments: false,
      ignoreIncludes: true,
      fonts: {},
    });
  } catch (err) {
    const issues = (err as { errors?: MjmlIssue[] }).errors;
    const details = Array.isArray(issues) ? describeIssues(issues) : [];
    const summary = details.length ? details.map((d) => d.message).join('; ') : err instanceof Error ? err.message : String(err);
    throw new BriefError('TEMPLATE_INVALID', `email template is not valid MJML: ${summary}`, details);
  }
  if (result.errors && result.errors.length > 0) {
    const details = describeIssues(result.errors as MjmlIssue[]);
    throw new BriefError('TEMPLATE_INVALID', `email template is not valid MJML: ${details.map((d) => d.message).join('; ')}`, details);
  }
  if (!/<html[\s>]/i.test(result.html)) {
    throw new BriefError('TEMPLATE_INVALID', 'email template did not produce an HTML document (is the root <mjml> element missing?)');
  }
  return result.html;
}
