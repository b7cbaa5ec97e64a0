from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from plagiarism.services import engine_config, paper_index_add
from submissions.selectors import paper_ids_in_order, paper_texts


class Command(BaseCommand):
    help = (
        "Rebuild the index (fingerprints and sketches) from the stored texts of every "
        "submission: after an upgrade that changes the algorithm."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200, help="papers per transaction")

    def handle(self, *args, batch, **options):
        ids = list(paper_ids_in_order())
        config = engine_config()
        fingerprints = 0
        with tqdm(total=len(ids), desc="reindexing", unit="paper", disable=None) as progress:
            for start in range(0, len(ids), batch):
                with transaction.atomic():
                    for paper in paper_texts(submission_ids=ids[start : start + batch]):
                        fingerprints += paper_index_add(paper=paper, config=config)
                progress.update(len(ids[start : start + batch]))
        self.stdout.write(f"reindexed {len(ids)} papers, {fingerprints} fingerprints")
