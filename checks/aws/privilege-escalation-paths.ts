// Known IAM privilege-escalation paths: sets of actions that together let a principal grant itself
// more than it holds (after Rhino Security Labs' research, as catalogued by Prowler and pacu). A path
// is present when every one of its actions is effectively allowed on broad resources.
export interface EscalationPath {
  name: string
  actions: string[]
  how: string
}

const passRoleWith = (name: string, actions: string[], how: string): EscalationPath => ({ name, actions: ['iam:PassRole', ...actions], how })

export const ESCALATION_PATHS: readonly EscalationPath[] = [
  { name: 'CreatePolicyVersion', actions: ['iam:CreatePolicyVersion'], how: 'write a new default version of a policy it holds' },
  { name: 'SetDefaultPolicyVersion', actions: ['iam:SetDefaultPolicyVersion'], how: 'switch a policy it holds to a more permissive old version' },
  { name: 'CreateAccessKey', actions: ['iam:CreateAccessKey'], how: 'create access keys for a more privileged user' },
  { name: 'CreateLoginProfile', actions: ['iam:CreateLoginProfile'], how: 'set a console password for a more privileged user' },
  { name: 'UpdateLoginProfile', actions: ['iam:UpdateLoginProfile'], how: "change a more privileged user's console password" },
  { name: 'AttachUserPolicy', actions: ['iam:AttachUserPolicy'], how: 'attach AdministratorAccess to itself' },
  { name: 'AttachGroupPolicy', actions: ['iam:AttachGroupPolicy'], how: 'attach an admin policy to its group' },
  { name: 'AttachRolePolicy', actions: ['iam:AttachRolePolicy'], how: 'attach an admin policy to a role it can use' },
  { name: 'PutUserPolicy', actions: ['iam:PutUserPolicy'], how: 'write an admin inline policy on itself' },
  { name: 'PutGroupPolicy', actions: ['iam:PutGroupPolicy'], how: 'write an admin inline policy on its group' },
  { name: 'PutRolePolicy', actions: ['iam:PutRolePolicy'], how: 'write an admin inline policy on a role it can use' },
  { name: 'AddUserToGroup', actions: ['iam:AddUserToGroup'], how: 'add itself to an admin group' },
  { name: 'UpdateAssumeRolePolicy', actions: ['iam:UpdateAssumeRolePolicy'], how: 'let itself assume a privileged role' },
  { name: 'DeleteUserPermissionsBoundary', actions: ['iam:DeleteUserPermissionsBoundary'], how: 'remove the boundary limiting a user' },
  { name: 'DeleteRolePermissionsBoundary', actions: ['iam:DeleteRolePermissionsBoundary'], how: 'remove the boundary limiting a role' },
  { name: 'PutUserPermissionsBoundary', actions: ['iam:PutUserPermissionsBoundary'], how: 'replace a user boundary with a permissive one' },
  { name: 'PutRolePermissionsBoundary', actions: ['iam:PutRolePermissionsBoundary'], how: 'replace a role boundary with a permissive one' },
  passRoleWith('PassRole+EC2', ['ec2:RunInstances'], 'start an instance with a privileged role and read its credentials'),
  passRoleWith('PassRole+Lambda+Invoke', ['lambda:CreateFunction', 'lambda:InvokeFunction'], 'run code as a privileged role'),
  passRoleWith('PassRole+Lambda+EventSource', ['lambda:CreateFunction', 'lambda:CreateEventSourceMapping'], 'run code as a privileged role via a trigger'),
  passRoleWith('PassRole+Lambda+AddPermission', ['lambda:CreateFunction', 'lambda:AddPermission'], 'run code as a privileged role via a resource policy'),
  { name: 'UpdateFunctionCode', actions: ['lambda:UpdateFunctionCode'], how: "replace the code of a function that runs as a privileged role" },
  passRoleWith('PassRole+Glue', ['glue:CreateDevEndpoint'], 'open a Glue dev endpoint as a privileged role'),
  { name: 'Glue UpdateDevEndpoint', actions: ['glue:UpdateDevEndpoint'], how: 'add its SSH key to a privileged dev endpoint' },
  passRoleWith('PassRole+CloudFormation', ['cloudformation:CreateStack'], 'create resources as a privileged role'),
  passRoleWith('PassRole+DataPipeline', ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'], 'run commands as a privileged role'),
  passRoleWith('PassRole+ECS', ['ecs:RegisterTaskDefinition', 'ecs:RunTask'], 'run a task as a privileged role'),
  passRoleWith('PassRole+SageMaker', ['sagemaker:CreateNotebookInstance'], 'open a notebook as a privileged role'),
  passRoleWith('PassRole+CodeBuild', ['codebuild:CreateProject', 'codebuild:StartBuild'], 'run a build as a privileged role'),
  passRoleWith('PassRole+StepFunctions', ['states:CreateStateMachine', 'states:StartExecution'], 'run a state machine as a privileged role'),
  passRoleWith('PassRole+AutoScaling', ['autoscaling:CreateLaunchConfiguration', 'autoscaling:CreateAutoScalingGroup'], 'launch instances with a privileged role'),
  { name: 'SSM SendCommand', actions: ['ssm:SendCommand'], how: 'run commands on instances holding privileged roles' },
  { name: 'SSM StartSession', actions: ['ssm:StartSession'], how: 'open a shell on instances holding privileged roles' },
  { name: 'EC2 Instance Connect', actions: ['ec2-instance-connect:SendSSHPublicKey'], how: 'log in to instances holding privileged roles' },
]
