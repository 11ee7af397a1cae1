// An AWS account as the inventory names it (`targets.aws[]`): the shape the AWS probe reads.
// Credentials never appear here: they come from the standard AWS provider chain.
import * as z from 'zod'
import { targetName, targetTags } from '../target-fields.ts'

export const AwsTargetSchema = z
  .object({
    name: targetName,
    regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like us-east-1')).min(1).default(['us-east-1']),
    profile: z.string().min(1).optional(),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'an IAM role ARN').optional(),
    externalId: z.string().min(1).optional(),
    /** an emulator endpoint (e.g. moto); never set for real AWS */
    endpoint: z.url().optional(),
    tags: targetTags,
  })
  .strict()

export type AwsTarget = z.output<typeof AwsTargetSchema>
