// Evaluates IAM cases against the role policies of a synthesized template, offline.
// Usage: node iam-matrix.mjs <template.json> <cases.json> <results.json>
// A case: {name, role (logical id), sessionPolicy (object|null), action, resource, context, expected,
// trustOf? (logical id of a role whose trust policy is the resource policy: an sts:AssumeRole on it),
// identity? ("allow-all" replaces the role's policies, so the trust policy alone decides)}.
// Each case is simulated three ways: role policies with the session policy (the simulator's own
// session-policy support), the role policies alone and the session policy alone; the effective answer
// must equal "both allow", so the simulator's session handling is cross-checked on every case.
import { readFileSync, writeFileSync } from 'node:fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const [templateFile, casesFile, resultsFile] = process.argv.slice(2);
const resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));

const pseudo = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };

function nameOf(id) {
  const r = resources[id];
  if (!r) throw new Error(`unknown resource ${id}`);
  const p = r.Properties ?? {};
  return resolve(p.TableName ?? p.BucketName ?? p.RoleName ?? p.Name ?? id);
}

function attribute(id, attr) {
  const type = resources[id]?.Type;
  if (attr === 'Arn') {
    switch (type) {
      case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${nameOf(id)}`;
      case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${nameOf(id)}`;
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${nameOf(id).toLowerCase()}`;
      case 'AWS::SQS::Queue': return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
      case 'AWS::Logs::LogGroup': return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
      default: break;
    }
  }
  if (attr === 'StreamArn') return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${nameOf(id)}/stream/2026-01-01T00:00:00.000`;
  return `arn:aws:unresolved:${REGION}:${ACCOUNT}:${id}/${attr}`;
}

function resolve(value) {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === 'object') {
    if ('Ref' in value) {
      if (pseudo[value.Ref]) return pseudo[value.Ref];
      const type = resources[value.Ref]?.Type;
      if (type === 'AWS::SecretsManager::Secret') return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${nameOf(value.Ref)}-AbCdEf`;
      return nameOf(value.Ref);
    }
    if ('Fn::GetAtt' in value) return attribute(...value['Fn::GetAtt']);
    if ('Fn::Join' in value) return resolve(value['Fn::Join'][1]).join(value['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

function rolePolicies(roleId) {
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  const inline = (role.Properties.Policies ?? []).map((p) => ({ name: p.PolicyName, policy: resolve(p.PolicyDocument) }));
  const attached = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((ref) => ref.Ref === roleId))
    .map(([id, r]) => ({ name: id, policy: resolve(r.Properties.PolicyDocument) }));
  if ((role.Properties.ManagedPolicyArns ?? []).length) throw new Error(`${roleId} has managed policies the matrix cannot see`);
  return [...inline, ...attached];
}

function trustPolicy(c) {
  if (!c.trustOf) return undefined;
  const role = resources[c.trustOf];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${c.trustOf} is not a role`);
  return resolve(role.Properties.AssumeRolePolicyDocument);
}

const allowAll = [{ name: 'allow-all', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];

async function decide(principal, identityPolicies, sessionPolicy, c) {
  const response = await runSimulation({
    request: { principal, action: c.action, resource: { resource: c.resource, accountId: ACCOUNT }, contextVariables: c.context ?? {} },
    identityPolicies,
    sessionPolicy: sessionPolicy ?? undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: trustPolicy(c),
  }, {});
  if (response.resultType === 'error') throw new Error(`${c.name}: ${JSON.stringify(response.errors)}`);
  return response.overallResult === 'Allowed' ? 'Allowed' : 'Denied';
}

const results = [];
for (const c of cases) {
  const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${nameOf(c.role)}/matrix`;
  const policies = c.identity === 'allow-all' ? allowAll : rolePolicies(c.role);
  const combined = await decide(principal, policies, c.sessionPolicy, c);
  const roleOnly = await decide(principal, policies, null, c);
  const sessionOnly = c.sessionPolicy ? await decide(principal, [{ name: 'session', policy: c.sessionPolicy }], null, c) : 'Allowed';
  const bothAllow = roleOnly === 'Allowed' && sessionOnly === 'Allowed' ? 'Allowed' : 'Denied';
  results.push({ name: c.name, expected: c.expected, combined, roleOnly, sessionOnly, consistent: combined === bothAllow });
}
writeFileSync(resultsFile, JSON.stringify(results, null, 1));
