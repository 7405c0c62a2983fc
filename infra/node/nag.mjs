// Runs cdk-nag's AwsSolutions pack over synthesized templates, offline.
// Usage: node nag.mjs <cloud-assembly-dir> <acknowledgements.json>
// Prints one JSON object: {checked, findings: [{stack, path, ruleId, message}], acknowledged, unusedAcknowledgements}.
// Exits 1 if any finding is not acknowledged.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, DefaultStackSynthesizer, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';

const [assemblyDir, acknowledgementsFile] = process.argv.slice(2);
// Each entry: {stack, logicalId, id, reason}; id is the exact finding, e.g. "AwsSolutions-IAM5[Resource::*]".
const acknowledgements = JSON.parse(readFileSync(acknowledgementsFile, 'utf8'));
const outdir = mkdtempSync(join(tmpdir(), 'enclave-nag-'));
const app = new App({ outdir, analyticsReporting: false });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const used = new Set();
const templates = readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'));
for (const file of templates) {
  const stackName = file.replace('.template.json', '');
  const stack = new Stack(app, stackName, {
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const included = new CfnInclude(stack, 'Template', { templateFile: join(assemblyDir, file) });
  acknowledgements.forEach((ack, index) => {
    if (ack.stack !== stackName) return;
    if (!ack.reason || ack.reason.length < 20) throw new Error(`acknowledgement ${ack.id} on ${ack.logicalId} needs a real reason`);
    Validations.of(included.getResource(ack.logicalId)).acknowledge({ id: ack.id, reason: ack.reason });
    used.add(index);
  });
}

// Synth throws when findings remain; the report is written either way.
try {
  app.synth();
} catch (error) {
  if (!String(error).includes('Validation failed')) console.error(String(error));
}
const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
const findings = [];
for (const plugin of report.pluginReports.filter((p) => p.pluginName.includes('AwsSolutions'))) {
  for (const violation of plugin.violations) {
    for (const construct of violation.violatingConstructs) {
      const [stack, , logicalId] = construct.constructPath.split('/');
      findings.push({ stack, logicalId, id: `AwsSolutions::${violation.ruleName}`, message: violation.description });
    }
  }
}
rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ checked: templates, findings, acknowledged: used.size, unusedAcknowledgements: acknowledgements.filter((_, i) => !used.has(i)) }, null, 1));
process.exit(findings.length === 0 ? 0 : 1);
