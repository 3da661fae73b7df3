/**
 * The digest email (Handlebars, then MJML in strict mode), in the house style
 * of templates/brief.mjml. It lives here rather than in templates/ for now:
 * templates.ts loads only the brief's files. Values go through `{{ }}` (which
 * escapes); only `introHtml`, built by src/briefs/inline.ts, is triple-stashed.
 * `slots.*` are the per-recipient placeholders, spliced like a brief's.
 * The data shape is DigestView in src/digests/message.ts.
 */
export const DIGEST_MJML = `<mjml lang="en">
  <mj-head>
    <mj-title>{{subject}}</mj-title>
    <mj-preview>{{preheader}}</mj-preview>
    <mj-breakpoint width="480px" />
    <mj-attributes>
      <mj-all font-family="Georgia, 'Times New Roman', Times, serif" />
      <mj-section padding="0 16px" />
      <mj-column padding="0" />
      <mj-text color="#1d2733" font-size="17px" line-height="1.6" padding="8px 24px" />
      <mj-button font-family="Helvetica, Arial, sans-serif" font-size="15px" font-weight="bold" background-color="#0b4f8a" color="#ffffff" border-radius="4px" inner-padding="10px 20px" />
      <mj-class name="meta" font-family="Helvetica, Arial, sans-serif" font-size="14px" color="#55606e" />
      <mj-class name="small" font-family="Helvetica, Arial, sans-serif" font-size="13px" line-height="1.5" color="#55606e" />
    </mj-attributes>
    <mj-style>
      .bw-card h1 { margin: 0; font-size: 26px; line-height: 1.25; font-weight: bold; }
      .bw-card h2 { margin: 8px 0 0; font-size: 21px; line-height: 1.3; font-weight: bold; }
      .bw-card h2 a { color: #1d2733; text-decoration: none; }
      .bw-card p { margin: 0 0 12px; }
      .bw-card a, .bw-footer a { color: #0b4f8a; }
      @media (prefers-color-scheme: dark) {
        .bw-body, .bw-body > div, .bw-footer, .bw-footer table, .bw-footer td { background-color: #101418 !important; }
        .bw-card, .bw-card table, .bw-card td { background-color: #1a1f26 !important; }
        .bw-card div, .bw-card h1, .bw-card h2, .bw-card h2 a, .bw-card p, .bw-footer div { color: #e4e8ee !important; }
        .bw-card a, .bw-footer a { color: #8cc4ff !important; }
      }
    </mj-style>
  </mj-head>
  <mj-body background-color="#eef1f4" width="600px" css-class="bw-body">
    <mj-section background-color="#0b2a4a" padding="18px 16px">
      <mj-column>
        <mj-text color="#ffffff" font-family="Helvetica, Arial, sans-serif" font-size="13px" font-weight="bold" letter-spacing="2px" line-height="1.4" padding="0 24px">{{series}}</mj-text>
        <mj-text color="#b9c9db" font-family="Helvetica, Arial, sans-serif" font-size="13px" line-height="1.4" padding="2px 24px 0">Daily digest · {{countLabel}}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" css-class="bw-card" padding-top="24px">
      <mj-column>
        <mj-text><h1>Your {{series}} digest</h1></mj-text>
        <mj-text mj-class="meta" padding-bottom="8px">The briefs published since your last digest, newest first.</mj-text>
      </mj-column>
    </mj-section>
    {{#each items}}
    <mj-section background-color="#ffffff" css-class="bw-card">
      <mj-column>
        <mj-divider border-width="1px" border-color="#d9dee4" padding="8px 24px" />
        <mj-text padding-top="8px"><h2><a href="{{webUrl}}">{{title}}</a></h2></mj-text>
        <mj-text mj-class="meta" padding-top="0">{{dateLabel}} · By {{byline}} · {{topicsLabel}}</mj-text>
        {{#if introHtml}}<mj-text><p>{{{introHtml}}}</p></mj-text>{{/if}}
        <mj-button href="{{webUrl}}" align="left" padding="4px 24px 20px">Read the brief</mj-button>
      </mj-column>
    </mj-section>
    {{/each}}
    <mj-section background-color="#ffffff" css-class="bw-card" padding-bottom="16px">
      <mj-column><mj-text mj-class="small">You chose a daily digest of these topics. To get briefs as they are published instead, change your preferences.</mj-text></mj-column>
    </mj-section>
    <mj-section padding="20px 16px 32px" css-class="bw-footer">
      <mj-column>
        <mj-text mj-class="small" align="center" padding="4px 24px">You are receiving this because you subscribed to {{series}} alerts and asked for a daily digest. It was sent to {{slots.email}}.</mj-text>
        <mj-text mj-class="small" align="center" padding="4px 24px"><a href="{{slots.preferencesUrl}}">Update your preferences</a>  |  <a href="{{slots.unsubscribeUrl}}">Unsubscribe</a></mj-text>
        <mj-text mj-class="small" align="center" padding="4px 24px">{{postalAddress}}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;
