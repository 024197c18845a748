"""Who acts. Every service takes an `Actor` first (R22.1: 谁授权谁负责、谁管理谁负责、谁运营谁负责、谁使用谁负责)."""

from dataclasses import dataclass, field

from .roles import Role


@dataclass(frozen=True)
class Actor:
    """A person acting for one organization, with that person's roles there; or a named system process."""

    person_id: int | None
    org_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    region_code: str | None = None  # the organization's GB/T 2260 region (R02.1)
    name: str = ""  # display name; never written to the ledger in clear
    system_name: str | None = None  # set for scheduled work: Actor.system("deadline-sweeper")

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(person_id=None, org_id=None, roles=frozenset(), name=f"system:{name}", system_name=name)

    @classmethod
    def anonymous(cls) -> "Actor":
        return cls(person_id=None, org_id=None, roles=frozenset({Role.PUBLIC}), name="public")

    @property
    def is_system(self) -> bool:
        return self.system_name is not None

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None and self.system_name is None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))
