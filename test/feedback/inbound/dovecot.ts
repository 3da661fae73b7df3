import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/redisServers.ts';

/**
 * A private Dovecot IMAP server for the poller's tests: its own config,
 * Maildir, port and state in a temp dir, run in the foreground and stopped
 * with SIGTERM. Needs the Debian package `dovecot-imapd` (binary
 * /usr/sbin/dovecot). Plaintext on 127.0.0.1 only (`ssl = no`).
 *
 * As root, Dovecot refuses to run its login and mail processes as root, so
 * they run as the package's own users (dovenull, dovecot) and the Maildir is
 * handed to `dovecot`; as any other user, everything runs as that user (tried
 * as `nobody`: it needs the empty chroots and default_internal_group below).
 */

export const DOVECOT_MISSING = 'dovecot is not installed: `apt-get install -y dovecot-imapd` (the IMAP poller test runs /usr/sbin/dovecot)';

function dovecotBinary(): string {
  if (existsSync('/usr/sbin/dovecot')) return '/usr/sbin/dovecot';
  const found = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(DOVECOT_MISSING);
  return found;
}

function idOf(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  if (!uid || !gid) throw new Error(`dovecot test server: no system user "${user}" (it comes with the dovecot-core package)`);
  return { uid, gid };
}

export interface TestDovecot {
  port: number;
  user: string;
  pass: string;
  /** imap://user:pass@127.0.0.1:port/INBOX */
  url: string;
  /** Puts a message into a mailbox's Maildir `new/` (INBOX, or a folder such as `Processed`). */
  deliver(raw: Buffer, mailbox?: string): Promise<string>;
  /** File names in a mailbox's Maildir (`cur/` and `new/`). */
  files(mailbox?: string): Promise<string[]>;
  log(): Promise<string>;
  close(): Promise<void>;
}

const USER = 'bounces';
const PASS = 'imap-test-pass-Zq81';

export async function startDovecot(): Promise<TestDovecot> {
  const bin = dovecotBinary();
  const dir = await mkdtemp(join(tmpdir(), 'bw-dovecot-'));
  // The unprivileged login processes must reach the sockets under base_dir.
  await chmod(dir, 0o755);
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailOwner = root ? idOf('dovecot') : { uid: me.uid, gid: me.gid };
  const home = join(dir, 'mail', USER);
  await mkdir(join(dir, 'mail'), { recursive: true });
  const mailDir = (mailbox = 'INBOX') => (mailbox === 'INBOX' ? home : join(home, `.${mailbox}`));
  const ensureMaildir = async (mailbox?: string) => {
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(mailDir(mailbox), sub), { recursive: true });
  };
  await ensureMaildir();
  const handOver = async () => {
    if (!root) return;
    const walk = async (p: string): Promise<void> => {
      await chown(p, mailOwner.uid, mailOwner.gid);
      for (const e of await readdir(p, { withFileTypes: true }).catch(() => [])) {
        const child = join(p, e.name);
        if (e.isDirectory()) await walk(child);
        else await chown(child, mailOwner.uid, mailOwner.gid);
      }
    };
    await walk(join(dir, 'mail'));
  };
  await handOver();

  await writeFile(join(dir, 'users'), `${USER}:{PLAIN}${PASS}:${mailOwner.uid}:${mailOwner.gid}::${home}\n`);
  const internalUser = root ? 'dovecot' : me.username;
  const internalGroup = root ? 'dovecot' : spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  const loginUser = root ? 'dovenull' : me.username;
  await writeFile(
    join(dir, 'dovecot.conf'),
    `
instance_name = bw-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
default_internal_group = ${internalGroup}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
# No chroot: only root may chroot, and this runs as whoever runs the tests.
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );

  const child: ChildProcess = spawn(bin, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const log = () => readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  try {
    await waitForLogin(port, () => child.exitCode !== null);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`dovecot did not start: ${(e as Error).message}\n${output}\n${await log()}`);
  }

  let seq = 0;
  return {
    port,
    user: USER,
    pass: PASS,
    url: `imap://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${port}/INBOX`,
    async deliver(raw, mailbox) {
      await ensureMaildir(mailbox);
      const name = `${Math.floor(Date.now() / 1000)}.M${++seq}P${process.pid}.bwtest`;
      await writeFile(join(mailDir(mailbox), 'tmp', name), raw);
      await writeFile(join(mailDir(mailbox), 'new', name), raw);
      await rm(join(mailDir(mailbox), 'tmp', name));
      await handOver();
      return name;
    },
    async files(mailbox) {
      const names: string[] = [];
      for (const sub of ['cur', 'new']) names.push(...(await readdir(join(mailDir(mailbox), sub)).catch(() => [])));
      return names;
    },
    log,
    async close() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Until a LOGIN succeeds: Dovecot greets before its auth process is ready. */
async function waitForLogin(port: number, dead: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (dead()) throw new Error('the dovecot process exited');
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let text = '';
      let sent = false;
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(3_000, () => done(false));
      s.on('error', () => done(false));
      s.on('data', (d) => {
        text += d.toString();
        if (!sent && /^\* OK/m.test(text)) {
          sent = true;
          s.write(`a LOGIN ${USER} ${PASS}\r\n`);
        }
        if (/^a OK/m.test(text)) done(true);
        else if (/^a (NO|BAD)/m.test(text)) done(false);
      });
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`no IMAP login on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
