import pytest

from tests.personas import World, make_case
from veche.cases.models import Case

# What htmx sends with every request it makes.
HX = {"HX-Request": "true"}


@pytest.fixture
def housing_case(world: World) -> Case:
    """A message routed to the ЖКХ department: status «Назначено»."""
    return make_case(world.municipality, department=world.housing)


@pytest.fixture
def neighbour_case(world: World) -> Case:
    return make_case(world.neighbour, text="Не вывозят мусор во дворе.")
