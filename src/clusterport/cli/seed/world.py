"""Build (or find) the seed's two-account architecture through the AWS APIs only.

Every step is what a platform admin would do with the AWS CLI: no direct
writes to the store. Running it again finds what exists and reuses it, so
``clusterport up`` is idempotent. Account A (Studio) and account B (EMR):

1. a VPC in each (10.10.0.0/16 and 10.20.0.0/16, DNS hostnames on) with a subnet;
2. A requests VPC peering to B, B accepts, both allow DNS resolution;
3. routes to the peer CIDR through the peering, both ways;
4. the Studio security group (default egress) and the cluster primary
   node's group allowing TCP from the Studio group;
5. in B, the discovery role with the seed's policy and a trust policy for A;
6. in A, the Studio execution role, a lifecycle configuration writing the
   cross-account role file, a domain and a user profile;
7. in A, a Service Catalog product with guardrails, visible to Studio.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import boto3
from botocore.exceptions import ClientError

STUDIO_ACCOUNT = "111111111111"
EMR_ACCOUNT = "222222222222"
STUDIO_CIDR = "10.10.0.0/16"
EMR_CIDR = "10.20.0.0/16"
DISCOVERY_ROLE = "studio-emr-discovery"
EXECUTION_ROLE = "studio-execution-role"
LAUNCH_ROLE = "studio-catalog-launch"
DOMAIN_NAME = "studio"
USER_PROFILE = "data-worker"
LIFECYCLE_NAME = "cross-account-emr-discovery"
PORTFOLIO_NAME = "Studio EMR clusters"
PRODUCT_NAME = "Spark cluster for Studio"
VISIBILITY_TAG = "sagemaker:studio-visibility:emr"
TAG_KEY = "clusterport:seed"
LIVY_PORT = 8998

Reporter = Callable[[str], Any]


@dataclass
class SeedWorld:
    """The ids of everything the seed set-up made."""

    region: str
    studio_account: str = STUDIO_ACCOUNT
    emr_account: str = EMR_ACCOUNT
    studio_vpc: str = ""
    studio_subnet: str = ""
    studio_security_group: str = ""
    emr_vpc: str = ""
    emr_subnet: str = ""
    emr_primary_security_group: str = ""
    peering_connection: str = ""
    discovery_role_arn: str = ""
    execution_role_arn: str = ""
    launch_role_arn: str = ""
    lifecycle_config_arn: str = ""
    domain_id: str = ""
    user_profile: str = USER_PROFILE
    portfolio_id: str = ""
    product_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _ignore(codes: tuple[str, ...], call: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except ClientError as error:
        if _code(error) in codes:
            return None
        raise


def discovery_policy(region: str, emr_account: str, studio_account: str) -> dict[str, Any]:
    """The seed's policy for the discovery role in the EMR account, placeholders filled."""
    clusters = f"arn:aws:elasticmapreduce:{region}:{emr_account}:cluster/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowPresignedUrl",
                "Effect": "Allow",
                "Action": [
                    "elasticmapreduce:DescribeCluster",
                    "elasticmapreduce:ListInstanceGroups",
                    "elasticmapreduce:CreatePersistentAppUI",
                    "elasticmapreduce:DescribePersistentAppUI",
                    "elasticmapreduce:GetPersistentAppUIPresignedURL",
                    "elasticmapreduce:GetOnClusterAppUIPresignedURL",
                ],
                "Resource": [clusters],
            },
            {
                "Sid": "AllowClusterDetailsDiscovery",
                "Effect": "Allow",
                "Action": [
                    "elasticmapreduce:DescribeCluster",
                    "elasticmapreduce:ListInstanceGroups",
                ],
                "Resource": [clusters],
            },
            {
                "Sid": "AllowClusterDiscovery",
                "Effect": "Allow",
                "Action": ["elasticmapreduce:ListClusters"],
                "Resource": "*",
            },
            {
                "Sid": "AllowRoleAssumptionForCrossAccountDiscovery",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [f"arn:aws:iam::{studio_account}:role/{EXECUTION_ROLE}"],
            },
            {
                "Sid": "AllowEMRTemplateDiscovery",
                "Effect": "Allow",
                "Action": ["servicecatalog:SearchProducts"],
                "Resource": "*",
            },
        ],
    }


def connect_policy(region: str, emr_account: str) -> dict[str, Any]:
    """What a Studio user needs in the EMR account to connect a notebook, beyond discovery."""
    clusters = f"arn:aws:elasticmapreduce:{region}:{emr_account}:cluster/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowNotebookConnect",
                "Effect": "Allow",
                "Action": [
                    "elasticmapreduce:ListInstances",
                    "elasticmapreduce:StartSession",
                    "elasticmapreduce:GetSession",
                    "elasticmapreduce:GetSessionEndpoint",
                    "elasticmapreduce:TerminateSession",
                    # sparkmagic's Livy requests through the platform's Livy route.
                    "elasticmapreduce:AccessLivyEndpoints",
                ],
                "Resource": [clusters],
            },
            {
                # The network doctor, run with this role, reads the cluster's network.
                "Sid": "AllowNetworkDiagnosis",
                "Effect": "Allow",
                "Action": ["ec2:Describe*"],
                "Resource": "*",
            },
        ],
    }


def execution_policy(region: str, studio_account: str, emr_account: str) -> dict[str, Any]:
    """The Studio execution role's permissions in its own account and toward B."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeDiscoveryRole",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{emr_account}:role/{DISCOVERY_ROLE}",
            },
            {
                "Sid": "OwnClusters",
                "Effect": "Allow",
                "Action": "elasticmapreduce:*",
                "Resource": "*",
            },
            {
                "Sid": "LaunchFromCatalog",
                "Effect": "Allow",
                "Action": [
                    "servicecatalog:SearchProducts",
                    "servicecatalog:DescribeProduct",
                    "servicecatalog:DescribeProductView",
                    "servicecatalog:ListLaunchPaths",
                    "servicecatalog:DescribeProvisioningParameters",
                    # The form's labels and groups: the template's AWS::CloudFormation::Interface.
                    "servicecatalog:DescribeProvisioningArtifact",
                    "servicecatalog:ProvisionProduct",
                    "servicecatalog:DescribeRecord",
                    "servicecatalog:ListRecordHistory",
                    "servicecatalog:SearchProvisionedProducts",
                    "servicecatalog:DescribeProvisionedProduct",
                    "servicecatalog:TerminateProvisionedProduct",
                    "servicecatalog:UpdateProvisionedProduct",
                    "cloudformation:DescribeStacks",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:GetTemplateSummary",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ReadNetwork",
                "Effect": "Allow",
                "Action": ["ec2:Describe*", "sagemaker:Describe*", "sagemaker:List*"],
                "Resource": "*",
            },
        ],
    }


def launch_policy() -> dict[str, Any]:
    """What the catalog's launch role may do when it provisions a product."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "elasticmapreduce:*",
                    "cloudformation:*",
                    "ec2:*",
                    "iam:PassRole",
                    "iam:GetRole",
                ],
                "Resource": "*",
            }
        ],
    }


def trust(*principals: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": p,
                    "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                }
                for p in principals
            ],
        }
    )


def service_trust(service: str) -> str:
    """AWS's standard trust policy of a service role: the service may assume it, no one else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def lifecycle_script(role_map: dict[str, str]) -> str:
    """The JupyterServer lifecycle script that writes the cross-account role file."""
    content = json.dumps(role_map)
    return (
        "#!/bin/bash\n"
        "set -eu\n"
        "# Written at every start of the Jupyter server: which EMR accounts this user sees,\n"
        "# and the role assumed in each.\n"
        'dir="$HOME/.cross-account-configuration-DO_NOT_DELETE"\n'
        'mkdir -p "$dir"\n'
        f"cat > \"$dir/emr-discovery-iam-role-arns-DO_NOT_DELETE.json\" <<'JSON'\n{content}\nJSON\n"
        'echo "cross-account EMR discovery configured"\n'
    )


def product_template() -> str:
    return (
        resources.files("clusterport.cli.seed")
        .joinpath("emr-cluster-product.yaml")
        .read_text(encoding="utf-8")
    )


class SeedBuilder:
    """Builds the seed world with one admin session per account."""

    def __init__(
        self,
        studio: boto3.Session,
        emr: boto3.Session,
        endpoint_url: str | None,
        region: str,
        report: Reporter = print,
    ) -> None:
        self.studio = studio
        self.emr = emr
        self.endpoint_url = endpoint_url
        self.region = region
        self.report = report
        self.world = SeedWorld(region=region)

    def client(self, session: boto3.Session, service: str) -> Any:
        return session.client(service, endpoint_url=self.endpoint_url, region_name=self.region)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.report(title)
        yield

    def build(self) -> SeedWorld:
        with self.step("networks: VPCs and subnets in both accounts"):
            self.networks()
        with self.step("VPC peering: request from A, accept in B, DNS resolution both ways"):
            self.peering()
        with self.step("routes to the peer CIDR through the peering, both ways"):
            self.routes()
        with self.step("security groups: Studio egress, primary node ingress from Studio"):
            self.security_groups()
        with self.step("IAM: discovery role in B trusted by A; Studio execution role in A"):
            self.roles()
        with self.step("Studio: lifecycle configuration, domain and user profile in A"):
            self.studio_domain()
        with self.step("Service Catalog: portfolio and EMR product with guardrails in A"):
            self.catalog()
        return self.world

    # -- networks ------------------------------------------------------------------------
    def _vpc(self, ec2: Any, name: str, cidr: str) -> str:
        found = ec2.describe_vpcs(Filters=[{"Name": f"tag:{TAG_KEY}", "Values": [name]}])["Vpcs"]
        if found:
            return str(found[0]["VpcId"])
        vpc = ec2.create_vpc(
            CidrBlock=cidr,
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [{"Key": TAG_KEY, "Value": name}, {"Key": "Name", "Value": name}],
                }
            ],
        )["Vpc"]
        return str(vpc["VpcId"])

    def _subnet(self, ec2: Any, vpc_id: str, name: str, cidr: str) -> str:
        found = ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "cidr-block", "Values": [cidr]},
            ]
        )["Subnets"]
        if found:
            return str(found[0]["SubnetId"])
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=f"{self.region}a",
            TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}
            ],
        )["Subnet"]
        return str(subnet["SubnetId"])

    def networks(self) -> None:
        a, b = self.client(self.studio, "ec2"), self.client(self.emr, "ec2")
        w = self.world
        w.studio_vpc = self._vpc(a, "studio", STUDIO_CIDR)
        w.studio_subnet = self._subnet(a, w.studio_vpc, "studio-private", "10.10.1.0/24")
        w.emr_vpc = self._vpc(b, "emr", EMR_CIDR)
        w.emr_subnet = self._subnet(b, w.emr_vpc, "emr-private", "10.20.1.0/24")
        # Private DNS names resolve across a peering only between VPCs with DNS hostnames on.
        a.modify_vpc_attribute(VpcId=w.studio_vpc, EnableDnsHostnames={"Value": True})
        b.modify_vpc_attribute(VpcId=w.emr_vpc, EnableDnsHostnames={"Value": True})

    def peering(self) -> None:
        a, b = self.client(self.studio, "ec2"), self.client(self.emr, "ec2")
        w = self.world
        found = a.describe_vpc_peering_connections(
            Filters=[
                {"Name": "requester-vpc-info.vpc-id", "Values": [w.studio_vpc]},
                {"Name": "accepter-vpc-info.vpc-id", "Values": [w.emr_vpc]},
                {"Name": "status-code", "Values": ["active", "pending-acceptance"]},
            ]
        )["VpcPeeringConnections"]
        if found:
            pcx = found[0]
        else:
            pcx = a.create_vpc_peering_connection(
                VpcId=w.studio_vpc,
                PeerVpcId=w.emr_vpc,
                PeerOwnerId=w.emr_account,
                PeerRegion=self.region,
            )["VpcPeeringConnection"]
        w.peering_connection = str(pcx["VpcPeeringConnectionId"])
        if pcx["Status"]["Code"] != "active":
            b.accept_vpc_peering_connection(VpcPeeringConnectionId=w.peering_connection)
        a.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=w.peering_connection,
            RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )
        b.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=w.peering_connection,
            AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )

    def _route(self, ec2: Any, vpc_id: str, subnet_id: str, cidr: str) -> None:
        tables = (
            ec2.describe_route_tables(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
            )["RouteTables"]
            or ec2.describe_route_tables(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "association.main", "Values": ["true"]},
                ]
            )["RouteTables"]
        )
        table = tables[0]
        if any(r.get("DestinationCidrBlock") == cidr for r in table.get("Routes", [])):
            return
        ec2.create_route(
            RouteTableId=table["RouteTableId"],
            DestinationCidrBlock=cidr,
            VpcPeeringConnectionId=self.world.peering_connection,
        )

    def routes(self) -> None:
        w = self.world
        self._route(self.client(self.studio, "ec2"), w.studio_vpc, w.studio_subnet, EMR_CIDR)
        self._route(self.client(self.emr, "ec2"), w.emr_vpc, w.emr_subnet, STUDIO_CIDR)

    def _group(self, ec2: Any, vpc_id: str, name: str, description: str) -> str:
        found = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "group-name", "Values": [name]},
            ]
        )["SecurityGroups"]
        if found:
            return str(found[0]["GroupId"])
        return str(
            ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)[
                "GroupId"
            ]
        )

    def security_groups(self) -> None:
        a, b = self.client(self.studio, "ec2"), self.client(self.emr, "ec2")
        w = self.world
        w.studio_security_group = self._group(
            a, w.studio_vpc, "studio-notebooks", "Studio notebooks (all egress)"
        )
        w.emr_primary_security_group = self._group(
            b, w.emr_vpc, "emr-primary", "EMR primary node: Livy and Spark from Studio"
        )
        _ignore(
            ("InvalidPermission.Duplicate",),
            b.authorize_security_group_ingress,
            GroupId=w.emr_primary_security_group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 0,
                    "ToPort": 65535,
                    "UserIdGroupPairs": [
                        {
                            "GroupId": w.studio_security_group,
                            "UserId": w.studio_account,
                            "VpcPeeringConnectionId": w.peering_connection,
                            "Description": "Studio notebooks",
                        }
                    ],
                }
            ],
        )

    # -- identity ------------------------------------------------------------------------
    def _role(self, iam: Any, name: str, trust_policy: str, description: str) -> str:
        try:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])
        except ClientError as error:
            if _code(error) != "NoSuchEntity":
                raise
        return str(
            iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=trust_policy,
                Description=description,
                MaxSessionDuration=43200,
            )["Role"]["Arn"]
        )

    def roles(self) -> None:
        a, b = self.client(self.studio, "iam"), self.client(self.emr, "iam")
        w = self.world
        w.discovery_role_arn = self._role(
            b,
            DISCOVERY_ROLE,
            trust({"AWS": f"arn:aws:iam::{w.studio_account}:root"}),
            "Lets Studio users of account A discover and connect to EMR clusters of B",
        )
        b.put_role_policy(
            RoleName=DISCOVERY_ROLE,
            PolicyName="emr-discovery",
            PolicyDocument=json.dumps(
                discovery_policy(self.region, w.emr_account, w.studio_account)
            ),
        )
        b.put_role_policy(
            RoleName=DISCOVERY_ROLE,
            PolicyName="emr-notebook-connect",
            PolicyDocument=json.dumps(connect_policy(self.region, w.emr_account)),
        )
        w.execution_role_arn = self._role(
            a,
            EXECUTION_ROLE,
            service_trust("sagemaker.amazonaws.com"),
            "The Studio users' execution role",
        )
        a.put_role_policy(
            RoleName=EXECUTION_ROLE,
            PolicyName="studio-emr",
            PolicyDocument=json.dumps(
                execution_policy(self.region, w.studio_account, w.emr_account)
            ),
        )
        w.launch_role_arn = self._role(
            a,
            LAUNCH_ROLE,
            trust(
                {"Service": "servicecatalog.amazonaws.com"},
                {"AWS": f"arn:aws:iam::{w.studio_account}:root"},
            ),
            "Service Catalog provisions Studio's EMR products as this role",
        )
        a.put_role_policy(
            RoleName=LAUNCH_ROLE,
            PolicyName="provision-emr",
            PolicyDocument=json.dumps(launch_policy()),
        )
        for iam in (a, b):
            for name, service in (
                ("EMR_DefaultRole", "elasticmapreduce.amazonaws.com"),
                ("EMR_EC2_DefaultRole", "ec2.amazonaws.com"),
            ):
                self._role(iam, name, trust({"Service": service}), "EMR default role")
            self._instance_profile(iam, "EMR_EC2_DefaultRole", "EMR_EC2_DefaultRole")

    def _instance_profile(self, iam: Any, name: str, role: str) -> None:
        """The instance profile ``name`` holding ``role`` (what RunJobFlow's JobFlowRole names)."""
        try:
            held = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
        except ClientError as error:
            if _code(error) != "NoSuchEntity":
                raise
            iam.create_instance_profile(InstanceProfileName=name)
            held = []
        if not held:
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role)

    # -- Studio --------------------------------------------------------------------------
    def studio_domain(self) -> None:
        sm = self.client(self.studio, "sagemaker")
        w = self.world
        script = lifecycle_script({w.emr_account: w.discovery_role_arn})
        try:
            w.lifecycle_config_arn = sm.describe_studio_lifecycle_config(
                StudioLifecycleConfigName=LIFECYCLE_NAME
            )["StudioLifecycleConfigArn"]
        except ClientError as error:
            if _code(error) not in ("ResourceNotFound", "ValidationException"):
                raise
            w.lifecycle_config_arn = sm.create_studio_lifecycle_config(
                StudioLifecycleConfigName=LIFECYCLE_NAME,
                StudioLifecycleConfigContent=base64.b64encode(script.encode()).decode(),
                StudioLifecycleConfigAppType="JupyterServer",
            )["StudioLifecycleConfigArn"]
        domains = [d for d in sm.list_domains()["Domains"] if d["DomainName"] == DOMAIN_NAME]
        if domains:
            w.domain_id = domains[0]["DomainId"]
        else:
            w.domain_id = sm.create_domain(
                DomainName=DOMAIN_NAME,
                AuthMode="IAM",
                VpcId=w.studio_vpc,
                SubnetIds=[w.studio_subnet],
                AppNetworkAccessType="VpcOnly",
                DefaultUserSettings={
                    "ExecutionRole": w.execution_role_arn,
                    "SecurityGroups": [w.studio_security_group],
                    "JupyterServerAppSettings": {
                        "DefaultResourceSpec": {"LifecycleConfigArn": w.lifecycle_config_arn},
                        "LifecycleConfigArns": [w.lifecycle_config_arn],
                    },
                },
            )["DomainArn"].rsplit("/", 1)[-1]
        _ignore(
            ("ResourceInUse",),
            sm.create_user_profile,
            DomainId=w.domain_id,
            UserProfileName=w.user_profile,
        )

    # -- catalog -------------------------------------------------------------------------
    def catalog(self) -> None:
        sc = self.client(self.studio, "servicecatalog")
        w = self.world
        portfolios = [
            p
            for p in sc.list_portfolios()["PortfolioDetails"]
            if p["DisplayName"] == PORTFOLIO_NAME
        ]
        if portfolios:
            w.portfolio_id = portfolios[0]["Id"]
        else:
            w.portfolio_id = sc.create_portfolio(
                DisplayName=PORTFOLIO_NAME,
                ProviderName="Platform team",
                Description="EMR clusters Studio users may create",
            )["PortfolioDetail"]["Id"]
        products = [
            p
            for p in sc.search_products_as_admin(PortfolioId=w.portfolio_id)["ProductViewDetails"]
            if p["ProductViewSummary"]["Name"] == PRODUCT_NAME
        ]
        if products:
            w.product_id = products[0]["ProductViewSummary"]["ProductId"]
        else:
            w.product_id = sc.create_product(
                Name=PRODUCT_NAME,
                Owner="Platform team",
                Description="Spark and Livy on EMR, sized within guardrails, stops when idle",
                ProductType="CLOUD_FORMATION_TEMPLATE",
                Tags=[{"Key": VISIBILITY_TAG, "Value": "true"}],
                ProvisioningArtifactParameters={
                    "Name": "v1",
                    "Description": "Spark 4 with Livy",
                    "Type": "CLOUD_FORMATION_TEMPLATE",
                    "Info": {"TemplateBody": product_template()},
                },
            )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
            sc.associate_product_with_portfolio(ProductId=w.product_id, PortfolioId=w.portfolio_id)
            sc.create_constraint(
                PortfolioId=w.portfolio_id,
                ProductId=w.product_id,
                Type="LAUNCH",
                Parameters=json.dumps({"RoleArn": w.launch_role_arn}),
            )
        _ignore(
            ("DuplicateResourceException",),
            sc.associate_principal_with_portfolio,
            PortfolioId=w.portfolio_id,
            PrincipalARN=w.execution_role_arn,
            PrincipalType="IAM",
        )
